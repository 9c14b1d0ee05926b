"""Test users made the way production makes them: a VPA and a primary account funded from the
treasury by `ledger.services.account_open_primary` (the step registration itself runs).

`make_user(...)` is the plain helper; `UserFactory` is the same thing for factory_boy users.
Every user's password is `PASSWORD`. `register_user(...)` goes through the full registration
service (validation included) when a test wants exactly what the API would create.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import factory
from django.db import transaction

from accounts.identifiers import normalize_phone
from accounts.models import User
from payments.models import Notification

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
    is_active: bool = True,
    password: str = PASSWORD,
) -> User:
    """A customer with a primary account holding `balance` (default OPENING_BALANCE).

    `phone` is normalized like registration does ("+91 98765 43210" -> "9876543210"); the VPA
    is `<username>@securebank` in lower case. Safe inside a caller's atomic block.
    """
    from ledger.services import account_open_primary

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
        # The opening balance's "Money received" is stored with the deposit (the outbox); tests
        # count the notifications of what they do, so a made user starts with none.
        Notification.objects.filter(user=user).delete()
    return user


def register_user(
    username: str, *, email: str | None = None, password: str = PASSWORD, full_name: str = "", phone: str | None = None
) -> User:
    """A customer created by `accounts.services.user_register` (validation, VPA, account).

    The service is durable: call it outside any atomic block of the test's own.
    """
    from accounts.services import user_register

    return user_register(
        username=username, email=email or f"{username.lower()}@example.in", password=password,
        full_name=full_name, phone=phone,
    )


class UserFactory(factory.django.DjangoModelFactory):
    """`UserFactory()` / `UserFactory(username="alice", balance="500.00", phone="+91 98765 43210")`.

    `create` goes through `make_user`, so every user has a VPA and a funded primary account;
    `build` gives an unsaved User without an account.
    """

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username.lower()}@example.in")
    full_name = factory.LazyAttribute(lambda o: o.username.title())
    phone = None
    is_staff = False
    is_active = True
    vpa = factory.LazyAttribute(lambda o: f"{o.username.lower()}@securebank")

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        kwargs.pop("vpa", None)  # always derived from the username, as registration does
        return make_user(kwargs.pop("username"), **kwargs)
