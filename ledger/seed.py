"""Customers made the way registration makes them, without its validation or its durable
transaction: a VPA and a primary account funded from the treasury by
`ledger.services.account_open_primary` (the step registration itself runs). Used by the tests'
factories (`accounts.tests.factories`), the benchmarks and the API fuzzer's seed, which are not
tests and so import nothing from a test package.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.db import transaction

from accounts.identifiers import normalize_phone
from accounts.models import User
from ledger.services import account_open_primary

PASSWORD = "S3cure-pass-99"  # noqa: S105 - the password of made-up customers
_seq = itertools.count(1)


def make_user(
    username: str | None = None,
    *,
    balance: Decimal | str | None = None,
    phone: str | None = None,
    full_name: str = "",
    email: str | None = None,
    is_staff: bool = False,
    is_active: bool = True,
    password: str = PASSWORD,
) -> User:
    """A customer with a primary account holding `balance` (default OPENING_BALANCE).

    `phone` is normalized like registration does ("+91 98765 43210" -> "9876543210"); the VPA
    is `<username>@securebank` in lower case. Safe inside a caller's atomic block.
    """
    n = next(_seq)
    username = username or f"user{n}"
    normalized_phone = None
    if phone:
        normalized_phone = normalize_phone(phone)
        if normalized_phone is None:
            raise ValueError(f"not an Indian mobile number: {phone!r}")
    with transaction.atomic():
        user = User(
            username=username, email=email or f"{username.lower()}@example.in", full_name=full_name or username.title(),
            phone=normalized_phone, vpa=f"{username.lower()}@securebank", is_staff=is_staff, is_active=is_active,
        )
        user.set_password(password)
        user.save()
        account_open_primary(user=user, opening_balance=None if balance is None else Decimal(str(balance)))
    return user
