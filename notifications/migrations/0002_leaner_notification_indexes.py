"""A notification writes one index fewer: `user` is the first column of the (user, -created_at)
and (user, read_at) indexes. Index-only, by hand: securebank/migration_indexes.py."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from securebank.migration_indexes import single_column_indexes_drop, single_column_indexes_restore

# The table kept its name when the model moved here.
SINGLE_COLUMN = [("payments_notification", "user_id", "payments_notification_user_id_a5bb07bc")]


def forwards(apps, schema_editor):
    single_column_indexes_drop(schema_editor, SINGLE_COLUMN)


def backwards(apps, schema_editor):
    single_column_indexes_restore(schema_editor, SINGLE_COLUMN)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("notifications", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="notification",
                    name="user",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="notifications", to=settings.AUTH_USER_MODEL),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
