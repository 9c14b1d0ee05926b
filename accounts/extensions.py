"""What accounts needs from the apps above it, named by settings so that accounts imports none of
them (the move of `ledger.risk`): the ledger opens a new customer's primary account and shows
its summary on the profile; the ledger and payments know who a customer's contacts are.

    ACCOUNTS_PRIMARY_ACCOUNT_OPEN  callable(*, user) -> None, inside registration's transaction
    ACCOUNTS_ACCOUNT_SUMMARY       callable(*, user) -> dict | None
    ACCOUNTS_CONTACT_SOURCES       callables(*, user) -> user ids (a queryset or a list)

Looked up at each call (a dictionary lookup once imported), so a test can patch the target.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from accounts.models import User


def primary_account_open(*, user: User) -> None:
    """Caller holds registration's atomic block: the account commits with the user, or neither."""
    import_string(settings.ACCOUNTS_PRIMARY_ACCOUNT_OPEN)(user=user)


def account_summary(*, user: User) -> dict[str, Any] | None:
    return import_string(settings.ACCOUNTS_ACCOUNT_SUMMARY)(user=user)


def contact_id_sources(*, user: User) -> list[Iterable[int]]:
    """One id set per source (the people a customer paid or was paid by, asked or was asked)."""
    return [import_string(path)(user=user) for path in settings.ACCOUNTS_CONTACT_SOURCES]
