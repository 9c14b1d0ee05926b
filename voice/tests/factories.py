"""Voice test data, made through the services: users, and contacts made by paying them."""

from __future__ import annotations

from decimal import Decimal

from accounts.models import User
from accounts.tests.factories import make_user

__all__ = ["make_user", "make_contact"]


def make_contact(payer: User, payee: User, amount: str = "1.00") -> None:
    """`payer` pays `payee` once, so `payee` becomes one of `payer`'s recent payees."""
    from payments.services import payment_send

    payment_send(payer=payer, payee=payee.vpa, amount=Decimal(amount), note="test contact")
