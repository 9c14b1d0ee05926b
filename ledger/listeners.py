"""Code the ledger runs inside its own database transactions, supplied by the apps above it.

The same move as `ledger.risk`: the ledger names the hook and the setting, other apps
implement it, so the ledger never imports them. A listener runs under the ledger's locks and
in its atomic block: whatever it writes commits or rolls back with the money, and an exception
from it undoes the ledger's change too. Side effects outside the database belong in
`transaction.on_commit` (or the `transaction_committed` signal), not here.

LEDGER_HOLD_RELEASE_LISTENERS: dotted paths of callables `listener(*, transaction)`, called by
`hold_release` after the held transaction is marked declined and the payer's reservation
lifted, e.g. payments reopening the money request that the held payment was paying.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class HoldReleaseListener(Protocol):
    def __call__(self, *, transaction: Any) -> None: ...


@lru_cache(maxsize=8)
def _load(paths: tuple[str, ...]) -> tuple[HoldReleaseListener, ...]:
    return tuple(import_string(path) for path in paths)


def hold_release_listeners() -> tuple[HoldReleaseListener, ...]:
    return _load(tuple(settings.LEDGER_HOLD_RELEASE_LISTENERS))
