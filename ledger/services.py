"""Ledger writes: opening accounts, deposits, transfers, holds, reversals, freezing.

Every function that moves money takes row locks through `accounts_lock` (primary-key order, so
two transfers in opposite directions cannot deadlock), re-reads balances after locking, writes
one Transaction with its Entries, sends `transaction_posted` inside the transaction (the
notification outbox is written there) and registers `transaction_committed` for after the commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ledger.exceptions import (
    AccountFrozen,
    AccountNotFound,
    AlreadyExecuted,
    InsufficientFunds,
    LimitExceeded,
    SelfTransfer,
    TransactionNotFound,
    TransactionStateConflict,
)
from ledger.listeners import hold_release_listeners
from ledger.models import Account, Entry, IdempotencyKey, Transaction
from ledger.risk import AllowAll, RiskVerdict, TransferContext, get_risk_assessor
from ledger.selectors import daily_outgoing_total
from ledger.signals import transaction_committed, transaction_posted
from securebank import clock, sql
from securebank.audit import audit_record
from securebank.errors import InvalidAmount
from securebank.money import TWO_PLACES

User = get_user_model()  # the ledger names owners by settings.AUTH_USER_MODEL, not by app

TREASURY_NUMBER = "00000000000001"
Balances = dict[int, tuple[Decimal, Decimal]]


@dataclass(frozen=True)
class TransferOutcome:
    transaction: Transaction
    payer_account: Account  # as left by the transfer (balance, held)
    payee_account: Account


# --- Locks ---------------------------------------------------------------------------------------
def accounts_lock(*, account_ids: list[int]) -> dict[int, Account]:
    """Lock accounts FOR UPDATE in primary-key order and return them freshly read.

    The caller must be inside `transaction.atomic`. Always lock through this helper: one global
    order is what makes concurrent transfers deadlock-free. Owners come along, unlocked
    (`FOR UPDATE OF` the account only), because every caller renders or notifies them.
    """
    ids = sorted(set(account_ids))
    rows = sql.fetch_all(_accounts_lock_sql(connection.vendor, len(ids)), ids)
    locked: dict[int, Account] = {}
    width = len(Account._meta.concrete_fields)
    for row in rows:
        account = sql.from_row(Account, row[:width])
        account.owner = None if row[width] is None else sql.from_row(User, row[width:])
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
        account_columns=sql.columns(Account, "a."), owner_columns=sql.columns(User, "u."),
        accounts=quote(Account._meta.db_table), users=quote(User._meta.db_table), user_id=quote(User._meta.pk.column),
        owner=quote(Account._meta.get_field("owner").column), id=quote(Account._meta.pk.column),
        ids=", ".join(["%s"] * count),
        lock=" FOR UPDATE OF a" if connection.features.has_select_for_update_of else "",  # SQLite: one writer anyway
    )


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


def _accounts_write(*accounts: Account) -> None:
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


# --- Numbers -------------------------------------------------------------------------------------
def _new_reference() -> str:
    return f"{secrets.randbelow(10**12):012d}"


def _new_account_number() -> str:
    # 14 digits, first never 0 (the treasury's range), unique by constraint; retried on a clash.
    return str(secrets.randbelow(9 * 10**13) + 10**13)


def _save_with_unique(obj: Any, field: str, make: Any, attempts: int = 5) -> None:
    for _ in range(attempts):
        setattr(obj, field, make())
        try:
            with transaction.atomic():  # a clash rolls back only this INSERT
                sql.insert([obj])
            return
        except IntegrityError:
            if type(obj).objects.filter(**{field: getattr(obj, field)}).exists():
                continue
            raise
    raise RuntimeError(f"could not allocate a unique {field}")


# --- Accounts ------------------------------------------------------------------------------------
def treasury_account() -> Account:
    """The bank's own account, source of deposits (created by migration 0002)."""
    account, _ = Account.objects.get_or_create(
        number=TREASURY_NUMBER, defaults={"kind": Account.Kind.SYSTEM, "name": "Treasury"}
    )
    return account


def account_open_primary(*, user: Any, opening_balance: Decimal | None = None) -> Account:
    """Open the user's primary savings account and credit the opening balance (default
    OPENING_BALANCE) from the treasury.

    Runs inside the registration's transaction (plain atomic, not durable).
    """
    amount = settings.OPENING_BALANCE if opening_balance is None else opening_balance
    with transaction.atomic():
        account = Account(owner=user, is_primary=True, name="Savings")
        _save_with_unique(account, "number", _new_account_number)
        if amount > 0:
            _deposit(account=account, amount=amount, description="Opening balance", actor=None)
    return account


def deposit_create(*, account: Account, amount: Decimal, description: str = "Deposit", actor: Any = None) -> Transaction:
    """Staff deposit from the treasury (admin action, `manage.py deposit`). No customer path."""
    if amount <= 0 or amount != amount.quantize(TWO_PLACES):
        raise InvalidAmount()
    with transaction.atomic(durable=True):
        txn = _deposit(account=account, amount=amount, description=description, actor=actor)
        if actor is not None:
            audit_record(actor=actor, action="ledger.deposit", obj=txn, after={"amount": str(amount), "account": account.number})
    return txn


def _deposit(*, account: Account, amount: Decimal, description: str, actor: Any) -> Transaction:
    treasury = treasury_account()
    outcome = _post(
        payer_id=treasury.pk,
        payee_id=account.pk,
        amount=amount,
        kind=Transaction.Kind.DEPOSIT,
        channel="system",
        description=description,
        initiated_by=actor,
        assessor=AllowAll(),
        enforce_limits=False,
    )
    return outcome.transaction


def account_set_status(*, account: Account, status: str, actor: Any, note: str = "") -> Account:
    """Freeze or unfreeze, with an audit row in the same transaction."""
    with transaction.atomic(durable=True):
        locked = accounts_lock(account_ids=[account.pk])[account.pk]
        before = locked.status
        if before != status:
            locked.status = status
            locked.save(update_fields=["status", "updated_at"])
            audit_record(
                actor=actor, action=f"account.{'freeze' if status == Account.Status.FROZEN else 'unfreeze'}",
                obj=locked, before={"status": before}, after={"status": status}, note=note,
            )
    return locked


# --- Transfers -----------------------------------------------------------------------------------
def transfer_create(
    *,
    payer: Any,
    payee_account: Account,
    amount: Decimal,
    kind: str = Transaction.Kind.TRANSFER,
    channel: str = "api",
    description: str = "",
    idempotency: IdempotencyKey | None = None,
) -> TransferOutcome:
    """Move `amount` from `payer`'s primary account to `payee_account`: the one customer path.

    One atomic block (the outermost use case's; QR and money requests call this inside theirs
    so that consuming the QR / paying the request commits with the money). Checks, in order:
    self-transfer, frozen accounts, daily limit, available funds; then the risk assessor
    decides allow (completed), hold (funds reserved, payee not credited) or decline (recorded,
    nothing moves). `idempotency`, when given, is linked in the same transaction, and a key
    already linked to another transaction is refused: a key can never move money twice.
    """
    row = sql.fetch_one(sql.model_sql(Account, "SELECT {id} FROM {table} WHERE {owner} = %s AND {is_primary}"), [payer.pk])
    if row is None:
        raise AccountNotFound("You have no account.")
    payer_account_id = row[0]
    if payer_account_id == payee_account.pk:
        raise SelfTransfer()
    with transaction.atomic():
        outcome = _post(
            payer_id=payer_account_id,
            payee_id=payee_account.pk,
            amount=amount,
            kind=kind,
            channel=channel,
            description=description,
            initiated_by=payer,
            assessor=get_risk_assessor(),
            enforce_limits=True,
        )
        if idempotency is not None:
            _idempotency_link(idempotency, outcome.transaction)
    return outcome


def _idempotency_link(record: IdempotencyKey, txn: Transaction) -> None:
    """Link the key to its money in the same transaction. A key that already owns a
    transaction raises, which rolls this transfer back (the UPDATE locks the key row)."""
    link = "UPDATE {table} SET {transaction} = %s WHERE {id} = %s AND {transaction} IS NULL"
    if not sql.execute(sql.model_sql(IdempotencyKey, link), [sql.prep(IdempotencyKey, "transaction", txn.pk), record.pk]):
        raise AlreadyExecuted(IdempotencyKey.objects.filter(pk=record.pk).values_list("transaction_id", flat=True).first())


def _local_midnight(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _post(
    *,
    payer_id: int,
    payee_id: int,
    amount: Decimal,
    kind: str,
    channel: str,
    description: str,
    initiated_by: Any,
    assessor: Any,
    enforce_limits: bool,
    reversal_of: Transaction | None = None,
) -> TransferOutcome:
    """Lock, check, score and write. Caller is inside transaction.atomic."""
    if payer_id == payee_id:
        raise SelfTransfer()
    locked = accounts_lock(account_ids=[payer_id, payee_id])
    payer, payee = locked[payer_id], locked[payee_id]
    now = clock.now()  # the transaction's created_at, and its completed_at when allowed
    if payer.status == Account.Status.FROZEN:
        raise AccountFrozen("Your account is frozen.")
    if payee.status == Account.Status.FROZEN:
        raise AccountFrozen("The payee's account cannot receive money right now.")
    if enforce_limits:
        spent = daily_outgoing_total(account_id=payer.pk, since=_local_midnight(now))
        if spent + amount > settings.DAILY_TRANSFER_LIMIT:
            remaining = max(settings.DAILY_TRANSFER_LIMIT - spent, Decimal("0.00"))
            raise LimitExceeded(
                f"The daily limit of {settings.DAILY_TRANSFER_LIMIT:.2f} would be exceeded; "
                f"{remaining:.2f} remains today.",
                remaining=f"{remaining:.2f}",
            )
    if payer.kind == Account.Kind.CUSTOMER and payer.available < amount:
        raise InsufficientFunds(available=f"{payer.available:.2f}")

    verdict: RiskVerdict = assessor.assess(
        TransferContext(
            payer_user_id=payer.owner_id,
            payee_user_id=payee.owner_id,
            payer_account_id=payer.pk,
            payee_account_id=payee.pk,
            amount=amount,
            kind=kind,
            channel=channel,
            payer_balance=payer.balance,
            payer_available=payer.available,
            payee_balance=payee.balance,
            at=now,
        )
    )
    txn = Transaction(
        kind=kind,
        amount=amount,
        description=description[:255],
        payer_account=payer,
        payee_account=payee,
        channel=channel,
        initiated_by=initiated_by if getattr(initiated_by, "pk", None) else None,
        reversal_of=reversal_of,
        created_at=now,
        fraud_score=None if verdict.score is None else Decimal(str(round(verdict.score, 5))),
        fraud_decision=None if isinstance(assessor, AllowAll) else verdict.decision,
        fraud_model_version=verdict.model_version,
        fraud_reasons=list(verdict.reasons),
    )
    balances: Balances = {}
    if verdict.decision == "decline":
        txn.status = Transaction.Status.DECLINED
        txn.status_reason = "Declined by risk checks."
        _save_with_unique(txn, "reference", _new_reference)
        event = "declined"
    elif verdict.decision == "hold":
        txn.status = Transaction.Status.HELD
        txn.status_reason = "Held for review."
        txn.hold_expires_at = now + timedelta(hours=settings.FRAUD_HOLD_TTL_HOURS)
        _save_with_unique(txn, "reference", _new_reference)
        payer.held += amount
        _accounts_write(payer)
        event = "held"
    else:
        txn.status = Transaction.Status.COMPLETED
        txn.completed_at = now
        _save_with_unique(txn, "reference", _new_reference)
        balances = _write_entries(txn=txn, payer=payer, payee=payee, amount=amount)
        event = "completed"
    assessor.record(transaction=txn, verdict=verdict)
    _announce(txn, event, balances)
    return TransferOutcome(transaction=txn, payer_account=payer, payee_account=payee)


def _write_entries(*, txn: Transaction, payer: Account, payee: Account, amount: Decimal, release_held: bool = False) -> Balances:
    """Debit payer, credit payee, two entries. Caller holds both account locks."""
    balances: Balances = {payer.pk: (payer.balance, payer.balance - amount), payee.pk: (payee.balance, payee.balance + amount)}
    payer.balance -= amount
    if release_held:
        payer.held -= amount
    payee.balance += amount
    _accounts_write(payer, payee)
    sql.insert(
        [
            Entry(transaction=txn, account=payer, amount=-amount, balance_after=payer.balance),
            Entry(transaction=txn, account=payee, amount=amount, balance_after=payee.balance),
        ]
    )
    return balances


def _announce(txn: Transaction, event: str, balances: Balances) -> None:
    """Send `transaction_posted` now, inside the caller's transaction (the listeners' rows commit
    with the money), and `transaction_committed` after the commit.

    The in-memory row is what was written (its accounts, owners included, were loaded under
    the lock), so listeners need no reload.
    """
    transaction_posted.send(sender=Transaction, transaction=txn, event=event, balances=balances)

    def send() -> None:
        transaction_committed.send(sender=Transaction, transaction=txn, event=event, balances=balances)

    transaction.on_commit(send, robust=True)


# --- Holds ---------------------------------------------------------------------------------------
def _lock_transaction(transaction_id: Any) -> Transaction:
    try:
        return Transaction.objects.select_for_update().get(pk=transaction_id)
    except (Transaction.DoesNotExist, ValueError, TypeError) as exc:
        raise TransactionNotFound() from exc


def hold_complete(*, transaction_id: Any, actor: Any = None, note: str = "") -> Transaction:
    """Complete a held transaction: the reserved funds move to the payee.

    Plain atomic: the fraud review service wraps it with its alert update and audit row.
    """
    with transaction.atomic():
        txn = _lock_transaction(transaction_id)
        if txn.status != Transaction.Status.HELD:
            raise TransactionStateConflict(f"The transaction is {txn.status}.", status=txn.status)
        locked = accounts_lock(account_ids=[txn.payer_account_id, txn.payee_account_id])
        payer, payee = locked[txn.payer_account_id], locked[txn.payee_account_id]
        txn.payer_account, txn.payee_account = payer, payee
        if payee.status == Account.Status.FROZEN:
            raise AccountFrozen("The payee's account cannot receive money right now.")
        balances = _write_entries(txn=txn, payer=payer, payee=payee, amount=txn.amount, release_held=True)
        txn.status = Transaction.Status.COMPLETED
        txn.completed_at = clock.now()
        txn.status_reason = note[:255] or "Approved after review."
        txn.save(update_fields=["status", "completed_at", "status_reason"])
        _announce(txn, "completed", balances)
    return txn


def hold_release(*, transaction_id: Any, actor: Any = None, reason: str = "Released after review.") -> Transaction:
    """Release a held transaction: the reservation is lifted, nothing moves (status declined).
    The LEDGER_HOLD_RELEASE_LISTENERS run inside the same database transaction."""
    with transaction.atomic():
        txn = _lock_transaction(transaction_id)
        if txn.status != Transaction.Status.HELD:
            raise TransactionStateConflict(f"The transaction is {txn.status}.", status=txn.status)
        locked = accounts_lock(account_ids=[txn.payer_account_id, txn.payee_account_id])
        payer = locked[txn.payer_account_id]
        txn.payer_account, txn.payee_account = payer, locked[txn.payee_account_id]
        payer.held -= txn.amount
        _accounts_write(payer)
        txn.status = Transaction.Status.DECLINED
        txn.status_reason = reason[:255]
        txn.save(update_fields=["status", "status_reason"])
        # What else must change with the release (a money request paid by this transaction
        # reopens) changes here, in this transaction: if a listener fails, the release rolls
        # back and the hold stays, rather than a request staying paid by money that never moved.
        for listener in hold_release_listeners():
            listener(transaction=txn)
        _announce(txn, "released", {})
    return txn


# --- Reversals -----------------------------------------------------------------------------------
def transfer_reverse(*, transaction_id: Any, actor: Any, reason: str) -> Transaction:
    """Staff correction: a new reversal transaction moves the money back; the original is
    marked reversed. The payee must still have the funds (no customer goes negative)."""
    with transaction.atomic(durable=True):
        original = _lock_transaction(transaction_id)
        if original.status != Transaction.Status.COMPLETED or original.kind == Transaction.Kind.REVERSAL:
            raise TransactionStateConflict(f"Only completed transactions can be reversed (this one is {original.status}).")
        outcome = _post(
            payer_id=original.payee_account_id,
            payee_id=original.payer_account_id,
            amount=original.amount,
            kind=Transaction.Kind.REVERSAL,
            channel="admin",
            description=f"Reversal of {original.reference}: {reason}",
            initiated_by=actor,
            assessor=AllowAll(),
            enforce_limits=False,
            reversal_of=original,
        )
        original.status = Transaction.Status.REVERSED
        original.status_reason = reason[:255]
        original.save(update_fields=["status", "status_reason"])
        audit_record(actor=actor, action="ledger.reverse", obj=original, before={"status": "completed"},
                     after={"status": "reversed", "reversal": str(outcome.transaction.pk)}, note=reason)
    return outcome.transaction
