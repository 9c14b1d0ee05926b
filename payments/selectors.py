"""Payments reads: payee resolution, recent payees, money requests.

Ownership is checked here: a money request the caller is not party to does not exist (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, Count, Max, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.identifiers import normalize_phone, normalize_vpa
from accounts.models import User
from accounts.selectors import user_find_by_phone, user_find_by_username, user_find_by_vpa
from ledger.exceptions import PayeeNotFound
from ledger.models import Account, Transaction
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
    if user is None or not Account.objects.filter(owner=user, is_primary=True).exists():
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


def recent_payees(*, user: Any, limit: int = 20) -> list[dict[str, Any]]:
    """The caller's distinct payees, most recently paid first.

    Counts completed and held payments from the caller's accounts to other customers (not
    declined ones, not deposits or reversals). Each row: user_id, display_name, full_name,
    username, vpa, last_paid_at, count.
    """
    limit = max(1, min(int(limit), 100))
    rows = list(
        Transaction.objects.filter(
            payer_account__owner=user,
            payee_account__owner__isnull=False,
            payee_account__owner__is_active=True,
            status__in=[Transaction.Status.COMPLETED, Transaction.Status.HELD],
        )
        .exclude(kind__in=[Transaction.Kind.DEPOSIT, Transaction.Kind.REVERSAL])
        .exclude(payee_account__owner=user)
        .values("payee_account__owner")
        .annotate(last_paid_at=Max("created_at"), count=Count("id"))
        .order_by("-last_paid_at", "payee_account__owner")[:limit]
    )
    users = User.objects.in_bulk([row["payee_account__owner"] for row in rows])
    result = []
    for row in rows:
        payee = users[row["payee_account__owner"]]
        result.append({**payee_summary(payee), "last_paid_at": row["last_paid_at"], "count": row["count"]})
    return result


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
    *, user: Any, direction: str | None = None, status: str | None = None
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


def money_request_get_for_user(*, user: Any, request_id: Any) -> MoneyRequest:
    """The request if `user` is its requester or payer; otherwise MoneyRequestNotFound (404)."""
    try:
        return money_requests_for_user(user=user).get(pk=request_id)
    except (MoneyRequest.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise MoneyRequestNotFound() from exc


def money_request_by_transaction(*, transaction_id: Any) -> MoneyRequest | None:
    return MoneyRequest.objects.filter(transaction_id=transaction_id).select_related("requester", "payer").first()


def request_counterparty_ids(*, user: Any) -> QuerySet:
    """Ids of the customers the caller asked money of or was asked by (any status), as a
    subquery for `pk__in`."""
    asked = MoneyRequest.objects.filter(requester=user).values("payer")
    asked_by = MoneyRequest.objects.filter(payer=user).values("requester")
    return User.objects.filter(Q(pk__in=asked) | Q(pk__in=asked_by)).values("pk")
