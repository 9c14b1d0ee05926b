"""Test users made the way production makes them: through registration's services, so each
has a VPA and a primary account funded from the treasury."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.db import transaction

from accounts.models import User

PASSWORD = "S3cure-pass-99"
_seq = itertools.count(1)


def make_user(
    username: str | None = None,
    *,
    balance: Decimal | str | None = None,
    phone: str | None = None,
    full_name: str = "",
    email: str | None = None,
    is_staff: bool = False,
    password: str = PASSWORD,
) -> User:
    """A customer with a primary account holding `balance` (default OPENING_BALANCE)."""
    from ledger.services import account_open_primary, deposit_create

    n = next(_seq)
    username = username or f"user{n}"
    with transaction.atomic():
        user = User(
            username=username, email=email or f"{username}@example.in", full_name=full_name or username.title(),
            phone=phone, vpa=f"{username}@securebank", is_staff=is_staff,
        )
        user.set_password(password)
        user.save()
        account = account_open_primary(user=user)
    if balance is not None:
        wanted = Decimal(str(balance))
        account.refresh_from_db()
        if wanted > account.balance:
            deposit_create(account=account, amount=wanted - account.balance, description="Test funding")
        elif wanted < account.balance:
            raise ValueError("set OPENING_BALANCE lower to start below it")
    return user
