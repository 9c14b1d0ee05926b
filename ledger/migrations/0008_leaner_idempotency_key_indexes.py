"""An idempotency key writes two fewer indexes: `user` is the first column of the (user, key)
unique constraint, and nothing looks a key up by its `transaction`. With no indexed column
changed, the UPDATE that stores the answer (and links the transaction) can stay on its page
(a HOT update: no index entries at all). Index-only, by hand: securebank/migration_indexes.py.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from securebank.migration_indexes import single_column_indexes_drop, single_column_indexes_restore

TABLE = "ledger_idempotencykey"
SINGLE_COLUMN = [
    (TABLE, "user_id", "ledger_idempotencykey_user_id_9e81709e"),
    (TABLE, "transaction_id", "ledger_idempotencykey_transaction_id_0bf7bca1"),
]


def forwards(apps, schema_editor):
    single_column_indexes_drop(schema_editor, SINGLE_COLUMN)


def backwards(apps, schema_editor):
    single_column_indexes_restore(schema_editor, SINGLE_COLUMN)


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
