"""An idempotency key writes two fewer indexes: `user` is the first column of the (user, key)
unique constraint, and nothing looks a key up by its `transaction`. With no indexed column
changed, the UPDATE that stores the answer (and links the transaction) can stay on its page
(a HOT update: no index entries at all). Index-only, by hand: securebank/migration_indexes.py.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from securebank.migration_indexes import index_create, index_drop

TABLE = "ledger_idempotencykey"
# (column, name to re-create it under when migrating backwards)
SINGLE_COLUMN = [
    ("user_id", "ledger_idempotencykey_user_id_9e81709e"),
    ("transaction_id", "ledger_idempotencykey_transaction_id_0bf7bca1"),
]


def forwards(apps, schema_editor):
    for column, _ in SINGLE_COLUMN:
        index_drop(schema_editor, TABLE, [column])


def backwards(apps, schema_editor):
    for column, name in SINGLE_COLUMN:
        index_create(schema_editor, name, TABLE, [column])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("ledger", "0007_leaner_transaction_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="idempotencykey",
                    name="transaction",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                            to="ledger.transaction"),
                ),
                migrations.AlterField(
                    model_name="idempotencykey",
                    name="user",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="+", to=settings.AUTH_USER_MODEL),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
