"""Test users made the way production makes them (`ledger.seed.make_user`: a VPA and a primary
account funded from the treasury, the step registration itself runs).

`make_user(...)` is the plain helper; `UserFactory` is the same thing for factory_boy users.
Every user's password is `PASSWORD`. `register_user(...)` goes through the full registration
service (validation included) when a test wants exactly what the API would create.
"""

from __future__ import annotations

from typing import Any

import factory
from django.db import transaction

from accounts.models import User
from ledger.seed import PASSWORD
from ledger.seed import make_user as seed_user
from notifications.models import Notification

__all__ = ["PASSWORD", "UserFactory", "make_user", "register_user"]


def make_user(username: str | None = None, **fields: Any) -> User:
    """`ledger.seed.make_user` (same arguments) without the opening balance's "Money received":
    that notification is stored with the deposit (the outbox), and tests count the notifications
    of what they do, so a made user starts with none. Safe inside a caller's atomic block."""
    with transaction.atomic():
        user = seed_user(username, **fields)
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
