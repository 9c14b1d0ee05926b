"""Payments reads: payee resolution, recent payees, money requests.

Ownership is checked here: a money request the caller is not party to does not exist (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.identifiers import normalize_phone, normalize_vpa
from accounts.models import User
from accounts.selectors import user_find_by_phone, user_find_by_username, user_find_by_vpa, users_in_bulk
from ledger.exceptions import PayeeNotFound
from ledger.selectors import account_primary_exists, customer_payees_recent
from payments.exceptions import MoneyRequestNotFound
from payments.models import MoneyRequest

MAX_PAYEE_QUERY = 254


def payee_resolve(*, query: str) -> User:
    """The active customer that `query` names, by exact match only.

    - contains "@": a UPI ID (VPA), case-insensitive, must be a valid VPA;
    - an Indian mobile number ("+91 98765-43210", "09876543210", "9876543210"): by phone, and
      when no customer has that phone, by the username spelled the same way;
    - anything else: a username, case-insensitive.
    Raises `PayeeNotFound` (404 `payee_not_found`) for anything unknown, malformed or inactive,
    and for users without a primary account (staff), who cannot receive payments.
    """
    text = query.strip() if isinstance(query, str) else ""
    if not text or len(text) > MAX_PAYEE_QUERY:
        raise PayeeNotFound()
    user: User | None
    if "@" in text:
        if normalize_vpa(text) is None:
            raise PayeeNotFound("That is not a valid UPI ID (expected name@bank).")
        user = user_find_by_vpa(vpa=text)
    elif normalize_phone(text) is not None:
        user = user_find_by_phone(phone=text) or user_find_by_username(username=text)
    else:
        user = user_find_by_username(username=text)
    if user is None or not account_primary_exists(user=user):
        raise PayeeNotFound()
    return user


def payee_summary(user: User) -> dict[str, Any]:
    """What a client shows before paying: "Pay Rahul Sharma (rahul@securebank)?"."""
    return {
        "user_id": user.pk,
        "display_name": user.display_name,
        "full_name": user.full_name,
        "username": user.username,
        "vpa": user.vpa,
    }


def recent_payees(*, user: User, limit: int = 20) -> list[dict[str, Any]]:
    """The caller's distinct payees, most recently paid first.

    Counts the ledger's customer payments from the caller's accounts to other customers
    (`ledger.selectors.customer_payees_recent`: completed and held, not declined ones, not
    deposits or reversals). Each row: user_id, display_name, full_name, username, vpa,
    last_paid_at, count.
    """
    limit = max(1, min(int(limit), 100))
    rows = customer_payees_recent(user=user, limit=limit)
    users = users_in_bulk(user_ids=[row.user_id for row in rows])
    return [{**payee_summary(users[row.user_id]), "last_paid_at": row.last_paid_at, "count": row.count} for row in rows]


# --- Money requests --------------------------------------------------------------------------
def _with_effective_status(qs: QuerySet[MoneyRequest], now: datetime) -> QuerySet[MoneyRequest]:
    """`effective_status`: a pending request past its expiry reads as expired even before the
    expiry job has written it."""
    return qs.annotate(
        effective_status=Case(
            When(status=MoneyRequest.Status.PENDING, expires_at__lte=now, then=Value(MoneyRequest.Status.EXPIRED)),
            default="status",
            output_field=CharField(),
        )
    )


def money_requests_for_user(
    *, user: User, direction: str | None = None, status: str | None = None
) -> QuerySet[MoneyRequest]:
    """Requests the caller made (`outgoing`) or may pay (`incoming`), newest first."""
    if direction == "incoming":
        qs = MoneyRequest.objects.filter(payer=user)
    elif direction == "outgoing":
        qs = MoneyRequest.objects.filter(requester=user)
    else:
        qs = MoneyRequest.objects.filter(Q(payer=user) | Q(requester=user))
    qs = _with_effective_status(qs.select_related("requester", "payer", "transaction"), timezone.now())
    if status:
        qs = qs.filter(effective_status=status)
    return qs.order_by("-created_at", "-id")


def money_request_get_for_user(*, user: User, request_id: UUID) -> MoneyRequest:
    """The request if `user` is its requester or payer; otherwise MoneyRequestNotFound (404)."""
    try:
        return money_requests_for_user(user=user).get(pk=request_id)
    except (MoneyRequest.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise MoneyRequestNotFound() from exc


def money_request_by_transaction(*, transaction_id: UUID) -> MoneyRequest | None:
    return MoneyRequest.objects.filter(transaction_id=transaction_id).select_related("requester", "payer").first()


def request_counterparty_ids(*, user: User) -> QuerySet:
    """Ids of the customers the caller asked money of or was asked by (any status), as a
    subquery for `pk__in`."""
    asked = MoneyRequest.objects.filter(requester=user).values("payer")
    asked_by = MoneyRequest.objects.filter(payer=user).values("requester")
    return User.objects.filter(Q(pk__in=asked) | Q(pk__in=asked_by)).values("pk")
