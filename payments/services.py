"""Payments writes: send money to a payee, and the money-request lifecycle.

Every payment goes through `ledger.services.transfer_create`, so limits, idempotency, fraud
scoring, notifications and the chain apply whichever way the money moves (HTTP, voice, QR).

Lock order: a money request row is locked before any account (transfer_create locks accounts
after); nothing locks them the other way round, so the two cannot deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from ledger.exceptions import PayeeNotFound
from ledger.models import IdempotencyKey, Transaction
from ledger.selectors import account_for_user, account_primary_for_user_id
from ledger.services import TransferOutcome, transfer_create
from payments import events
from payments.exceptions import (
    InvalidExpiry,
    MoneyRequestNotFound,
    MoneyRequestNotPending,
    PayerNotFound,
    SelfRequest,
)
from payments.models import MoneyRequest
from payments.selectors import payee_resolve
from securebank.money import parse_amount

REQUEST_DEFAULT_TTL = timedelta(hours=24)
REQUEST_MIN_TTL = timedelta(minutes=1)
REQUEST_MAX_TTL = timedelta(days=7)
NOTE_MAX = 140


# --- Send ------------------------------------------------------------------------------------
def payment_send(
    *,
    payer: User,
    payee: str,
    amount: Decimal,
    note: str = "",
    kind: str = Transaction.Kind.PAYMENT,
    channel: str = "upi",
    idempotency: IdempotencyKey | None = None,
) -> TransferOutcome:
    """Pay `payee` (a VPA, an Indian mobile number or a username; exact match) from the
    payer's primary account.

    No atomic block of its own: transfer_create's when called outside one, else the caller's
    (the idempotent request's; voice and QR wrap this in theirs to commit their state, an
    executed command or a consumed QR, with the money). Raises
    PayeeNotFound, InvalidAmount, SelfTransfer, AccountFrozen, LimitExceeded,
    InsufficientFunds; a risk decline is returned (status declined, recorded), not raised.
    """
    amount = parse_amount(amount)
    payee_user = payee_resolve(query=payee)
    payee_account = account_primary_for_user_id(user_id=payee_user.pk)
    if payee_account is None:
        raise PayeeNotFound()
    return transfer_create(
        payer=payer,
        payee_account=payee_account,
        amount=amount,
        kind=kind,
        channel=channel,
        description=(note or "").strip()[:255],
        idempotency=idempotency,
    )


# --- Money requests ----------------------------------------------------------------------------
@dataclass(frozen=True)
class RequestPayment:
    """What accepting a request did: the request as left, and the transfer it made."""

    request: MoneyRequest
    transfer: TransferOutcome


def money_request_create(
    *,
    requester: User,
    payer: str,
    amount: Decimal,
    note: str = "",
    expires_in: timedelta | None = None,
) -> MoneyRequest:
    """Ask `payer` (VPA, mobile number or username) for `amount`; expires after `expires_in`
    (default 24 hours, between 1 minute and 7 days). The payer is notified after commit."""
    amount = parse_amount(amount)
    ttl = REQUEST_DEFAULT_TTL if expires_in is None else expires_in
    if not (REQUEST_MIN_TTL <= ttl <= REQUEST_MAX_TTL):
        raise InvalidExpiry()
    try:
        payer_user = payee_resolve(query=payer)
    except PayeeNotFound as exc:
        raise PayerNotFound(exc.message.replace("payee", "payer")) from exc
    if payer_user.pk == requester.pk:
        raise SelfRequest()
    account_for_user(user=requester)  # the requester must be able to receive the money
    with transaction.atomic():  # a savepoint when voice runs this inside its keyed transaction
        request = MoneyRequest.objects.create(
            requester=requester,
            payer=payer_user,
            amount=amount,
            note=(note or "").strip()[:NOTE_MAX],
            expires_at=timezone.now() + ttl,
        )
        events.money_request_notify(request=request, kind="created")
    return request


def _lock_request(*, user: User, request_id: UUID, role: str) -> MoneyRequest:
    """Lock the request FOR UPDATE if `user` plays `role` ("payer" or "requester") in it.

    Caller is inside transaction.atomic. Anyone else, and unknown ids, get 404.
    """
    try:
        return (
            MoneyRequest.objects.select_for_update(of=("self",))
            .select_related("requester", "payer")
            .get(pk=request_id, **{role: user})
        )
    except (MoneyRequest.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise MoneyRequestNotFound() from exc


def _expire_if_due(request: MoneyRequest, now: datetime) -> bool:
    """Mark a pending request past its expiry as expired (with notifications). Caller holds
    the row lock."""
    if request.status != MoneyRequest.Status.PENDING or request.expires_at > now:
        return False
    request.status = MoneyRequest.Status.EXPIRED
    request.responded_at = now
    request.save(update_fields=["status", "responded_at"])
    events.money_request_notify(request=request, kind="expired")
    return True


def _respond(*, user: User, request_id: UUID, role: str, act: Any) -> Any:
    """Lock, expire if due, insist on pending, then `act(request, now)` — one atomic block
    (a savepoint inside an idempotent request's transaction). An expiry found here is kept
    (the block ends normally) before the 409 is raised."""
    with transaction.atomic():
        request = _lock_request(user=user, request_id=request_id, role=role)
        now = timezone.now()
        expired = _expire_if_due(request, now)
        if not expired:
            if request.status != MoneyRequest.Status.PENDING:
                raise MoneyRequestNotPending(
                    f"This request is already {request.status}.", status=request.status
                )
            return act(request, now)
    raise MoneyRequestNotPending("This request has expired.", status=MoneyRequest.Status.EXPIRED)


def money_request_accept(*, user: User, request_id: UUID, idempotency: IdempotencyKey | None = None) -> RequestPayment:
    """The payer pays the request through the transfer service, exactly once.

    The request row is locked for the whole transaction that moves the money, so two
    concurrent accepts serialize and the second finds it paid (409). A risk decline is
    recorded and leaves the request pending; a hold marks it paid with the held transaction
    (if review releases the hold, `money_request_reopen` reopens it).
    """

    def act(request: MoneyRequest, now: datetime) -> RequestPayment:
        payee_account = account_primary_for_user_id(user_id=request.requester_id)
        if payee_account is None or not request.requester.is_active:
            raise PayeeNotFound("The requester can no longer receive payments.")
        outcome = transfer_create(
            payer=user,
            payee_account=payee_account,
            amount=request.amount,
            kind=Transaction.Kind.REQUEST_PAYMENT,
            channel="upi",
            description=(request.note or "Money request")[:255],
            idempotency=idempotency,
        )
        if outcome.transaction.status != Transaction.Status.DECLINED:
            request.status = MoneyRequest.Status.PAID
            request.transaction = outcome.transaction
            request.responded_at = now
            request.save(update_fields=["status", "transaction", "responded_at"])
            events.money_request_notify(request=request, kind="paid")
        return RequestPayment(request=request, transfer=outcome)

    return _respond(user=user, request_id=request_id, role="payer", act=act)


def money_request_decline(*, user: User, request_id: UUID) -> MoneyRequest:
    """The payer refuses the request; the requester is notified."""

    def act(request: MoneyRequest, now: datetime) -> MoneyRequest:
        request.status = MoneyRequest.Status.DECLINED
        request.responded_at = now
        request.save(update_fields=["status", "responded_at"])
        events.money_request_notify(request=request, kind="declined")
        return request

    return _respond(user=user, request_id=request_id, role="payer", act=act)


def money_request_cancel(*, user: User, request_id: UUID) -> MoneyRequest:
    """The requester withdraws the request; the payer is notified."""

    def act(request: MoneyRequest, now: datetime) -> MoneyRequest:
        request.status = MoneyRequest.Status.CANCELLED
        request.responded_at = now
        request.save(update_fields=["status", "responded_at"])
        events.money_request_notify(request=request, kind="cancelled")
        return request

    return _respond(user=user, request_id=request_id, role="requester", act=act)


def money_requests_expire(*, user: User | None = None, now: datetime | None = None, batch: int = 500) -> int:
    """Expire pending requests past their expiry (all, or only those `user` is party to).

    Safe to re-run and to run beside accepts: rows locked by an accept in progress are skipped
    (the accept expires or pays them itself). Returns how many were expired.
    """
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic(durable=True):
            qs = MoneyRequest.objects.select_for_update(skip_locked=True, of=("self",)).filter(
                status=MoneyRequest.Status.PENDING, expires_at__lte=now
            )
            if user is not None:
                qs = qs.filter(Q(payer=user) | Q(requester=user))
            due = list(qs.select_related("requester", "payer").order_by("expires_at", "id")[:batch])
            for request in due:
                _expire_if_due(request, now)
        total += len(due)
        if len(due) < batch:
            return total


def money_request_hold_released(*, transaction: Transaction) -> None:
    """LEDGER_HOLD_RELEASE_LISTENERS: the ledger is releasing `transaction`'s hold, inside its
    transaction and under its locks; a request it was paying reopens in the same commit."""
    if transaction.kind == Transaction.Kind.REQUEST_PAYMENT:
        money_request_reopen(transaction_id=transaction.pk)


def money_request_reopen(*, transaction_id: UUID) -> MoneyRequest | None:
    """A held payment of a request was released by review (no money moved): reopen the
    request (or expire it if its time has passed) and tell both parties (stored now, pushed
    after commit). Idempotent. Runs inside the ledger's hold release (see
    `money_request_hold_released`): its locks are taken after the accounts', which no accept
    can cross, since an accept of a paid request fails before it locks any account."""
    with transaction.atomic():
        request = (
            MoneyRequest.objects.select_for_update(of=("self",))
            .select_related("requester", "payer")
            .filter(transaction_id=transaction_id, status=MoneyRequest.Status.PAID)
            .first()
        )
        if request is None:
            return None
        now = timezone.now()
        request.transaction = None
        if request.expires_at <= now:
            request.status, request.responded_at = MoneyRequest.Status.EXPIRED, now
        else:
            request.status, request.responded_at = MoneyRequest.Status.PENDING, None
        request.save(update_fields=["status", "transaction", "responded_at"])
        events.money_request_notify(request=request, kind="reopened")
    return request


# --- Ledger facts ------------------------------------------------------------------------------
def transaction_notifications_create(*, transaction: Transaction, event: str, balances: events.Balances) -> None:
    """Inside the ledger's transaction: store the users' notifications (pushed after commit), so
    they commit with the money or not at all. Called by the `transaction_posted` receiver. (A
    request whose held payment is released reopens inside the release itself, before this:
    `money_request_hold_released`.)"""
    events.transaction_events_publish(transaction=transaction, event=event, balances=balances)
