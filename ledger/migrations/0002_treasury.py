"""The bank's treasury account: the source of every deposit (its balance is minus the money issued)."""

from django.db import migrations

TREASURY_NUMBER = "00000000000001"


def create_treasury(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    Account.objects.get_or_create(number=TREASURY_NUMBER, defaults={"kind": "system", "name": "Treasury"})


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(create_treasury, migrations.RunPython.noop)]
