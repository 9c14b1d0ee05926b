"""Fewer indexes written per payment.

- `payer_account` and `payee_account` lose their single-column indexes: each side's
  (account, created_at, ...) index leads with the column and serves every lookup by it.
- `Entry.transaction` loses its index: the (transaction, account) unique constraint leads with it.
- The (status, hold_expires_at) index becomes a partial index of held payments only: the hold
  sweeper is its one reader, a completed payment writes nothing to it, and no plan can reach
  every completed row through it. On PostgreSQL without statistics, the daily-limit sum and the
  fraud reads combined it with the payer's index in a bitmap AND that read every completed
  row, so their cost grew with the whole table (bench/results_transfers.md).

Only indexes change, so the database side is written by hand: Django's AlterField would drop and
re-create each foreign key, which on PostgreSQL re-validates it over the whole table under a
lock. On PostgreSQL the indexes are dropped and built CONCURRENTLY (no write lock on a live
table; hence `atomic = False`).
"""

import django.db.models.deletion
from django.db import migrations, models

TRANSACTION = "ledger_transaction"
ENTRY = "ledger_entry"
# (table, column, name to re-create it under when migrating backwards)
SINGLE_COLUMN = [
    (TRANSACTION, "payer_account_id", "ledger_transaction_payer_account_id_f430d2a6"),
    (TRANSACTION, "payee_account_id", "ledger_transaction_payee_account_id_dadd43ec"),
    (ENTRY, "transaction_id", "ledger_entry_transaction_id_c459e7a1"),
]
STATUS_INDEX = ("ledger_tran_status_222421_idx", ["status", "hold_expires_at"])
HELD_INDEX = "txn_held_expiry_idx"


def _concurrently(schema_editor) -> str:
    return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""


def _plain_indexes(schema_editor, table: str, columns: list[str]) -> list[str]:
    """Names of the non-unique, non-partial indexes on exactly these columns."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return [name for name, info in found.items()
            if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == columns]


def forwards(apps, schema_editor):
    quote, how = schema_editor.quote_name, _concurrently(schema_editor)
    for table, column, _ in SINGLE_COLUMN:
        for name in _plain_indexes(schema_editor, table, [column]):
            schema_editor.execute(f"DROP INDEX{how} IF EXISTS {quote(name)}")
    schema_editor.execute(f"CREATE INDEX{how} IF NOT EXISTS {quote(HELD_INDEX)} ON {quote(TRANSACTION)} "
                          f"({quote('hold_expires_at')}) WHERE {quote('status')} = 'held'")
    schema_editor.execute(f"DROP INDEX{how} IF EXISTS {quote(STATUS_INDEX[0])}")


def backwards(apps, schema_editor):
    quote, how = schema_editor.quote_name, _concurrently(schema_editor)
    columns = ", ".join(quote(c) for c in STATUS_INDEX[1])
    schema_editor.execute(f"CREATE INDEX{how} IF NOT EXISTS {quote(STATUS_INDEX[0])} ON {quote(TRANSACTION)} ({columns})")
    schema_editor.execute(f"DROP INDEX{how} IF EXISTS {quote(HELD_INDEX)}")
    for table, column, name in SINGLE_COLUMN:
        schema_editor.execute(f"CREATE INDEX{how} IF NOT EXISTS {quote(name)} ON {quote(table)} ({quote(column)})")


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
