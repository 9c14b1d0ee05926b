"""Fewer indexes written per payment.

- `payer_account` and `payee_account` lose their single-column indexes: each side's
  (account, created_at, ...) index leads with the column and serves every lookup by it.
- `Entry.transaction` loses its index: the (transaction, account) unique constraint leads with it.
- The (status, hold_expires_at) index becomes a partial index of held payments only: the hold
  sweeper is its one reader, a completed payment writes nothing to it, and no plan can reach
  every completed row through it. On PostgreSQL without statistics, the daily-limit sum and the
  fraud reads combined it with the payer's index in a bitmap AND that read every completed
  row, so their cost grew with the whole table (bench/results_transfers.md).

Only indexes change, so the database side is written by hand (securebank/migration_indexes.py:
no foreign key re-validated; CONCURRENTLY on PostgreSQL, hence `atomic = False`).
"""

import django.db.models.deletion
from django.db import migrations, models

from securebank.migration_indexes import (
    index_create,
    index_drop_named,
    single_column_indexes_drop,
    single_column_indexes_restore,
)

TRANSACTION = "ledger_transaction"
ENTRY = "ledger_entry"
SINGLE_COLUMN = [
    (TRANSACTION, "payer_account_id", "ledger_transaction_payer_account_id_f430d2a6"),
    (TRANSACTION, "payee_account_id", "ledger_transaction_payee_account_id_dadd43ec"),
    (ENTRY, "transaction_id", "ledger_entry_transaction_id_c459e7a1"),
]
STATUS_INDEX = ("ledger_tran_status_222421_idx", ["status", "hold_expires_at"])
HELD_INDEX = "txn_held_expiry_idx"


def forwards(apps, schema_editor):
    single_column_indexes_drop(schema_editor, SINGLE_COLUMN)
    index_create(schema_editor, HELD_INDEX, TRANSACTION, ["hold_expires_at"], where=f"{schema_editor.quote_name('status')} = 'held'")
    index_drop_named(schema_editor, STATUS_INDEX[0])


def backwards(apps, schema_editor):
    index_create(schema_editor, STATUS_INDEX[0], TRANSACTION, STATUS_INDEX[1])
    index_drop_named(schema_editor, HELD_INDEX)
    single_column_indexes_restore(schema_editor, SINGLE_COLUMN)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("ledger", "0006_summary_rollup"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="transaction", name=STATUS_INDEX[0]),
                migrations.AlterField(
                    model_name="entry",
                    name="transaction",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="entries", to="ledger.transaction"),
                ),
                migrations.AlterField(
                    model_name="transaction",
                    name="payee_account",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="incoming", to="ledger.account"),
                ),
                migrations.AlterField(
                    model_name="transaction",
                    name="payer_account",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="outgoing", to="ledger.account"),
                ),
                migrations.AddIndex(
                    model_name="transaction",
                    index=models.Index(condition=models.Q(("status", "held")), fields=["hold_expires_at"],
                                       name=HELD_INDEX),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
