"""The money path's hand-written statements, each with the figure that earns it.

Every statement here runs inside a transfer's atomic block (most under its row locks), where
building the ORM statement cost more than running it: a one-row SELECT with `select_related`
took 1.89 ms of CPU through the ORM and 0.13 ms as SQL on a cursor (bench/results_transfers.md,
"the money path's statements as hand-written SQL"). The limit's aggregate lives beside its
siblings in `ledger.selectors.daily_outgoing_total`. Nothing outside `ledger.services` calls
these, except `accounts_lock`, the one locking helper.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from ledger.exceptions import AccountNotFound, AlreadyExecuted
from ledger.models import Account, Entry, IdempotencyKey, Transaction
from securebank import sql

Owner = get_user_model()  # the ledger names owners by settings.AUTH_USER_MODEL, not by app

Balances = dict[int, tuple[Decimal, Decimal]]  # account id -> (balance before, balance after)


# --- Locks ---------------------------------------------------------------------------------------
def accounts_lock(*, account_ids: list[int]) -> dict[int, Account]:
    """Lock accounts FOR UPDATE in primary-key order and return them freshly read.

    The caller must be inside `transaction.atomic`. Always lock through this helper: one global
    order is what makes concurrent transfers deadlock-free. Owners come along, unlocked
    (`FOR UPDATE OF` the account only), because every caller renders or notifies them: loading
    them here saved the reload after commit and the lazy owner query of the response (−1.3 ms,
    −2 queries, bench/results_transfers.md "hot spots").
    """
    ids = sorted(set(account_ids))
    rows = sql.fetch_all(_accounts_lock_sql(connection.vendor, len(ids)), ids)
    locked: dict[int, Account] = {}
    width = len(Account._meta.concrete_fields)
    for row in rows:
        account = sql.from_row(Account, row[:width])
        account.owner = None if row[width] is None else sql.from_row(Owner, row[width:])
        locked[account.pk] = account
    if len(locked) != len(ids):
        raise AccountNotFound()
    return locked


_ACCOUNTS_LOCK_SQL = (
    "SELECT {account_columns}, {owner_columns} FROM {accounts} a LEFT JOIN {users} u ON u.{user_id} = a.{owner} "
    "WHERE a.{id} IN ({ids}) ORDER BY a.{id}{lock}"
)


@lru_cache(maxsize=8)
def _accounts_lock_sql(vendor: str, count: int) -> str:
    quote = connection.ops.quote_name
    return _ACCOUNTS_LOCK_SQL.format(
        account_columns=sql.columns(Account, "a."), owner_columns=sql.columns(Owner, "u."),
        accounts=quote(Account._meta.db_table), users=quote(Owner._meta.db_table), user_id=quote(Owner._meta.pk.column),
        owner=quote(Account._meta.get_field("owner").column), id=quote(Account._meta.pk.column),
        ids=", ".join(["%s"] * count),
        lock=" FOR UPDATE OF a" if connection.features.has_select_for_update_of else "",  # SQLite: one writer anyway
    )


# --- Balances ------------------------------------------------------------------------------------
# One statement stores the balances of every account a posting changed (two `Model.save` calls
# cost several times the SQL they send, inside every transfer's locks). The CHECK constraints
# (no negative customer balance, 0 <= held <= balance) guard this UPDATE like any other.
_ACCOUNTS_WRITE_SQL = (
    "UPDATE {table} SET {balance} = CASE {id} {balances} END, {held} = CASE {id} {helds} END, "
    "{updated_at} = %s WHERE {id} IN ({ids})"
)


@lru_cache(maxsize=8)
def _accounts_write_sql(vendor: str, count: int) -> str:
    cases = " ".join(["WHEN %s THEN %s"] * count)
    return sql.model_sql(
        Account, _ACCOUNTS_WRITE_SQL.replace("{balances}", cases).replace("{helds}", cases)
        .replace("{ids}", ", ".join(["%s"] * count))
    )


def accounts_write(*accounts: Account) -> None:
    """Store `balance` and `held` of accounts this transaction has locked (`accounts_lock`)."""
    now = timezone.now()
    adapt = connection.ops.adapt_decimalfield_value
    params: list[Any] = []
    for field in ("balance", "held"):
        for account in accounts:
            params += [account.pk, adapt(getattr(account, field), 18, 2)]
    params += [connection.ops.adapt_datetimefield_value(now), *(account.pk for account in accounts)]
    sql.execute(_accounts_write_sql(connection.vendor, len(accounts)), params)
    for account in accounts:
        account.updated_at = now


def entries_write(*, txn: Transaction, payer: Account, payee: Account, amount: Decimal, release_held: bool = False) -> Balances:
    """Debit payer, credit payee (one UPDATE), two entries (one INSERT). Caller holds both
    account locks."""
    balances: Balances = {payer.pk: (payer.balance, payer.balance - amount), payee.pk: (payee.balance, payee.balance + amount)}
    payer.balance -= amount
    if release_held:
        payer.held -= amount
    payee.balance += amount
    accounts_write(payer, payee)
    sql.insert(
        [
            Entry(transaction=txn, account=payer, amount=-amount, balance_after=payer.balance),
            Entry(transaction=txn, account=payee, amount=amount, balance_after=payee.balance),
        ]
    )
    return balances


# --- Rows with a random unique number ------------------------------------------------------------
def new_reference() -> str:
    return f"{secrets.randbelow(10**12):012d}"


def new_account_number() -> str:
    # 14 digits, first never 0 (the treasury's range), unique by constraint; retried on a clash.
    return str(secrets.randbelow(9 * 10**13) + 10**13)


def insert_with_unique(obj: Model, field: str, make: Callable[[], str], attempts: int = 5) -> None:
    """INSERT `obj` with `field` set by `make()`, drawing again on a clash of that field.

    The clash is skipped by the INSERT itself (ON CONFLICT DO NOTHING), not caught as an
    IntegrityError: catching needs a savepoint around every INSERT, two more statements in
    every transfer for a clash whose odds are the rows already stored in 10^12."""
    for _ in range(attempts):
        setattr(obj, field, make())
        if sql.insert_unless_taken(obj, field):
            return
    raise RuntimeError(f"could not allocate a unique {field}")


# --- Lookups and links of a customer transfer ----------------------------------------------------
def primary_account_id(*, owner_id: int) -> int | None:
    """The id of the owner's primary account, by key only: the row is read in full under the
    lock."""
    row = sql.fetch_one(sql.model_sql(Account, "SELECT {id} FROM {table} WHERE {owner} = %s AND {is_primary}"), [owner_id])
    return None if row is None else row[0]


def idempotency_link(record: IdempotencyKey, txn: Transaction) -> None:
    """Link the key to its money in the same transaction. A key that already owns a
    transaction raises, which rolls this transfer back (the UPDATE locks the key row)."""
    link = "UPDATE {table} SET {transaction} = %s WHERE {id} = %s AND {transaction} IS NULL"
    if not sql.execute(sql.model_sql(IdempotencyKey, link), [sql.prep(IdempotencyKey, "transaction", txn.pk), record.pk]):
        raise AlreadyExecuted(IdempotencyKey.objects.filter(pk=record.pk).values_list("transaction_id", flat=True).first())
