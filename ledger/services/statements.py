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

from ledger.exceptions import AccountNotFound
from ledger.models import Account, Entry, Transaction
from securebank import sql

Owner = get_user_model()  # the ledger names owners by settings.AUTH_USER_MODEL, not by app

Balances = dict[int, tuple[Decimal, Decimal]]  # account id -> (balance before, balance after)


# --- Locks ---------------------------------------------------------------------------------------
def accounts_lock(*, account_ids: list[int], primary_of: int | None = None) -> dict[int, Account]:
    """Lock accounts FOR UPDATE in primary-key order and return them freshly read.

    The caller must be inside `transaction.atomic`. Always lock through this helper: one global
    order is what makes concurrent transfers deadlock-free. Owners come along, unlocked
    (`FOR UPDATE OF` the account only), because every caller renders or notifies them: loading
    them here saved the reload after commit and the lazy owner query of the response (−1.3 ms,
    −2 queries, bench/results_transfers.md "hot spots"). `primary_of` (an owner id) also locks
    that owner's primary account, found by the same statement: a customer transfer names its
    payer by owner, and looking the account up first cost a statement per transfer. Every id
    in `account_ids` must exist (AccountNotFound); the owner's primary account may not.
    """
    ids = sorted(set(account_ids))
    params: list[Any] = [*ids] if primary_of is None else [*ids, primary_of]
    rows = sql.fetch_all(_accounts_lock_sql(connection.vendor, len(ids), primary_of is not None), params)
    locked: dict[int, Account] = {}
    width = len(Account._meta.concrete_fields)
    for row in rows:
        account = sql.from_row(Account, row[:width])
        account.owner = None if row[width] is None else sql.from_row(Owner, row[width:])
        locked[account.pk] = account
    if any(pk not in locked for pk in ids):
        raise AccountNotFound()
    return locked


_ACCOUNTS_LOCK_SQL = (
    "SELECT {account_columns}, {owner_columns} FROM {accounts} a LEFT JOIN {users} u ON u.{user_id} = a.{owner} "
    "WHERE a.{id} IN ({ids}){primary_of} ORDER BY a.{id}{lock}"
)


@lru_cache(maxsize=16)
def _accounts_lock_sql(vendor: str, count: int, primary_of: bool) -> str:
    quote = connection.ops.quote_name
    owner, is_primary = quote(Account._meta.get_field("owner").column), quote(Account._meta.get_field("is_primary").column)
    return _ACCOUNTS_LOCK_SQL.format(
        account_columns=sql.columns(Account, "a."), owner_columns=sql.columns(Owner, "u."),
        accounts=quote(Account._meta.db_table), users=quote(Owner._meta.db_table), user_id=quote(Owner._meta.pk.column),
        owner=owner, id=quote(Account._meta.pk.column), ids=", ".join(["%s"] * count),
        primary_of=f" OR (a.{owner} = %s AND a.{is_primary})" if primary_of else "",
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
