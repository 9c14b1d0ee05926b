"""One posting: lock both accounts, check, score, write, announce. Every movement of money
(customer transfers, deposits, reversals) goes through `post`; holds end in `ledger.services.holds`.

`post` runs inside the caller's atomic block. Its steps, in order, are what a transfer's
statements are (bench/transfer_commits.py lists them): the lock, the daily-limit aggregate, the
risk assessor's reads, the transaction INSERT, the balances UPDATE and the entries INSERT, and
whatever the `transaction_posted` listeners write (the notification outbox).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ledger.exceptions import (
    AccountFrozen,
    AccountNotFound,
    InsufficientFunds,
    LimitExceeded,
    RefusedAfterWriting,
    SelfTransfer,
)
from ledger.models import Account, Transaction
from ledger.risk import AllowAll, RiskAssessor, RiskVerdict, TransferContext
from ledger.selectors import daily_outgoing_total
from ledger.services.statements import (
    Balances,
    accounts_lock,
    accounts_write,
    entries_write,
    insert_with_unique,
    new_reference,
)
from ledger.signals import transaction_committed, transaction_posted
from securebank import clock
from securebank.errors import DomainError

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class TransferOutcome:
    transaction: Transaction
    payer_account: Account  # as left by the transfer (balance, held)
    payee_account: Account


@dataclass(frozen=True)
class Posting:
    """What to move: `amount` from one account to another, as `kind` through `channel`."""

    payer_id: int | None  # None: the primary account of `payer_owner_id`, found by the lock
    payee_id: int
    amount: Decimal
    kind: str
    channel: str
    description: str
    initiated_by: User | None
    reversal_of: Transaction | None = None
    payer_owner_id: int | None = None

    def __post_init__(self) -> None:
        if (self.payer_id is None) == (self.payer_owner_id is None):
            raise ValueError("a posting names its payer by account id or by owner, not both")


def post(posting: Posting, *, assessor: RiskAssessor, enforce_limits: bool) -> TransferOutcome:
    """Lock, check, score and write. Caller is inside transaction.atomic."""
    payer, payee = _accounts_locked(posting)
    now = clock.now()  # the transaction's created_at, and its completed_at when allowed
    _statuses_check(payer=payer, payee=payee)
    if enforce_limits:
        _daily_limit_check(payer=payer, amount=posting.amount, now=now)
    _funds_check(payer=payer, amount=posting.amount)
    verdict = assessor.assess(_transfer_context(posting, payer=payer, payee=payee, now=now))
    # Above: every refusal (a DomainError), nothing written. Below: the writes, which must not
    # refuse. A customer transfer runs in its caller's transaction without a savepoint, so
    # whatever fails below marks that whole transaction for rollback (no caller can commit half
    # a posting, even one that catches the error), and a refusal becomes an error: it would
    # otherwise be stored as the answer beside money that moved.
    try:
        txn = _transaction_build(posting, payer=payer, payee=payee, verdict=verdict, scored=not isinstance(assessor, AllowAll), now=now)
        if verdict.decision == "decline":
            event, balances = _declined_write(txn)
        elif verdict.decision == "hold":
            event, balances = _held_write(txn, payer=payer, now=now)
        else:
            event, balances = _completed_write(txn, payer=payer, payee=payee, now=now)
        assessor.record(transaction=txn, verdict=verdict)
        announce(txn, event, balances)
    except BaseException as exc:
        transaction.set_rollback(True)
        if isinstance(exc, DomainError):
            raise RefusedAfterWriting(f"{type(exc).__name__} after the posting wrote") from exc
        raise
    return TransferOutcome(transaction=txn, payer_account=payer, payee_account=payee)



def _accounts_locked(posting: Posting) -> tuple[Account, Account]:
    """Payer and payee, locked by one statement (`accounts_lock`: primary-key order)."""
    if posting.payer_id is None:
        locked = accounts_lock(account_ids=[posting.payee_id], primary_of=posting.payer_owner_id)
        payer = next((a for a in locked.values() if a.owner_id == posting.payer_owner_id and a.is_primary), None)
        if payer is None:
            raise AccountNotFound("You have no account.")
    else:
        locked = accounts_lock(account_ids=[posting.payer_id, posting.payee_id])
        payer = locked[posting.payer_id]
    if payer.pk == posting.payee_id:
        raise SelfTransfer()
    return payer, locked[posting.payee_id]


# --- Checks (under the locks, on the balances just read) -----------------------------------------
def _statuses_check(*, payer: Account, payee: Account) -> None:
    if payer.status == Account.Status.FROZEN:
        raise AccountFrozen("Your account is frozen.")
    payee_can_receive(payee)


def payee_can_receive(payee: Account) -> None:
    if payee.status == Account.Status.FROZEN:
        raise AccountFrozen("The payee's account cannot receive money right now.")


def _local_midnight(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _daily_limit_check(*, payer: Account, amount: Decimal, now: datetime) -> None:
    spent = daily_outgoing_total(account_id=payer.pk, since=_local_midnight(now))
    if spent + amount > settings.DAILY_TRANSFER_LIMIT:
        remaining = max(settings.DAILY_TRANSFER_LIMIT - spent, Decimal("0.00"))
        raise LimitExceeded(
            f"The daily limit of {settings.DAILY_TRANSFER_LIMIT:.2f} would be exceeded; "
            f"{remaining:.2f} remains today.",
            remaining=f"{remaining:.2f}",
        )


def _funds_check(*, payer: Account, amount: Decimal) -> None:
    if payer.kind == Account.Kind.CUSTOMER and payer.available < amount:  # the treasury may go negative
        raise InsufficientFunds(available=f"{payer.available:.2f}")


# --- Scoring -------------------------------------------------------------------------------------
def _transfer_context(posting: Posting, *, payer: Account, payee: Account, now: datetime) -> TransferContext:
    return TransferContext(
        payer_user_id=payer.owner_id,
        payee_user_id=payee.owner_id,
        payer_account_id=payer.pk,
        payee_account_id=payee.pk,
        amount=posting.amount,
        kind=posting.kind,
        channel=posting.channel,
        payer_balance=payer.balance,
        payer_available=payer.available,
        payee_balance=payee.balance,
        at=now,
    )


def _transaction_build(
    posting: Posting, *, payer: Account, payee: Account, verdict: RiskVerdict, scored: bool, now: datetime
) -> Transaction:
    """The unsaved row, with the verdict (a posting nobody scored records no decision)."""
    initiated_by = posting.initiated_by
    return Transaction(
        kind=posting.kind,
        amount=posting.amount,
        description=posting.description[:255],
        payer_account=payer,
        payee_account=payee,
        channel=posting.channel,
        initiated_by=initiated_by if getattr(initiated_by, "pk", None) else None,
        reversal_of=posting.reversal_of,
        created_at=now,
        fraud_score=None if verdict.score is None else Decimal(str(round(verdict.score, 5))),
        fraud_decision=verdict.decision if scored else None,
        fraud_model_version=verdict.model_version,
        fraud_reasons=list(verdict.reasons),
    )


# --- The three outcomes: each writes the row and returns (event, balances) -----------------------
def _declined_write(txn: Transaction) -> tuple[str, Balances]:
    """Recorded, nothing moves."""
    txn.status = Transaction.Status.DECLINED
    txn.status_reason = "Declined by risk checks."
    insert_with_unique(txn, "reference", new_reference)
    return "declined", {}


def _held_write(txn: Transaction, *, payer: Account, now: datetime) -> tuple[str, Balances]:
    """The funds are reserved on the payer's account; the payee is not credited."""
    txn.status = Transaction.Status.HELD
    txn.status_reason = "Held for review."
    txn.hold_expires_at = now + timedelta(hours=settings.FRAUD_HOLD_TTL_HOURS)
    insert_with_unique(txn, "reference", new_reference)
    payer.held += txn.amount
    accounts_write(payer)
    return "held", {}


def _completed_write(txn: Transaction, *, payer: Account, payee: Account, now: datetime) -> tuple[str, Balances]:
    txn.status = Transaction.Status.COMPLETED
    txn.completed_at = now
    insert_with_unique(txn, "reference", new_reference)
    return "completed", entries_write(txn=txn, payer=payer, payee=payee, amount=txn.amount)


# --- Announcing ----------------------------------------------------------------------------------
def announce(txn: Transaction, event: str, balances: Balances) -> None:
    """Send `transaction_posted` now, inside the caller's transaction (the listeners' rows commit
    with the money), and `transaction_committed` after the commit.

    The in-memory row is what was written (its accounts, owners included, were loaded under
    the lock), so listeners need no reload.
    """
    transaction_posted.send(sender=Transaction, transaction=txn, event=event, balances=balances)

    def send() -> None:
        transaction_committed.send(sender=Transaction, transaction=txn, event=event, balances=balances)

    transaction.on_commit(send, robust=True)
