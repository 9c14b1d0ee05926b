"""Payments test data, made through the services (so notifications and rules apply)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from accounts.models import User
from accounts.tests.factories import make_user
from payments.models import MoneyRequest

__all__ = ["make_user", "make_request", "make_expired_request"]


def make_request(
    requester: User, payer: User, amount: str | Decimal = "250.00", *, note: str = "", expires_in: timedelta | None = None
) -> MoneyRequest:
    from payments.services import money_request_create

    return money_request_create(requester=requester, payer=payer.vpa, amount=Decimal(str(amount)), note=note, expires_in=expires_in)


def make_expired_request(requester: User, payer: User, amount: str | Decimal = "250.00") -> MoneyRequest:
    """A pending request whose expiry has passed (the clock moved on, nothing expired it yet)."""
    request = make_request(requester, payer, amount)
    MoneyRequest.objects.filter(pk=request.pk).update(expires_at=request.created_at - timedelta(seconds=1))
    request.refresh_from_db()
    return request
