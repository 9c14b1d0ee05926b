"""The classic app's one piece of state: a short-lived, single-use UPI PIN ticket.

The classic app checks the PIN in its own call (POST pin/verify) and then pays (POST
payments/send) without sending the PIN again. So that the payment is still PIN-checked, a
correct PIN at verify leaves a ticket in the cache; the next payment takes it (one payment per
correct PIN) and must come within PIN_TICKET_SECONDS. The ticket holds a deadline, never the
PIN. The cache is Redis when REDIS_URL is set (shared by every server process), in-memory for
the single process of `make run`.
"""

from __future__ import annotations

import time

from django.core.cache import cache

from accounts import pin as pins
from accounts.exceptions import PinLocked
from accounts.models import User
from securebank import clock
from securebank.errors import DomainError

PIN_TICKET_SECONDS = 120


def _key(user_id: int) -> str:
    return f"classic:pin-ticket:{user_id}"


def pin_ticket_issue(*, user: User) -> None:
    """Call after `accounts.pin.pin_verify` succeeded for `user`. A second verify replaces the
    first ticket (still one payment)."""
    cache.set(_key(user.pk), time.time() + PIN_TICKET_SECONDS, PIN_TICKET_SECONDS)


def pin_ticket_take(*, user: User) -> bool:
    """Consume the ticket: True once per issued ticket, False when none is live. Of concurrent
    takers only one wins: the cache's delete reports whether it removed the key (Redis DEL is
    atomic; the in-memory cache deletes under its lock)."""
    key = _key(user.pk)
    deadline = cache.get(key)
    if deadline is None or not cache.delete(key):
        return False
    return float(deadline) >= time.time()


def payment_pin_gate(*, user: User, pin: str | None) -> DomainError | None:
    """The classic send's PIN gate, first in the money's transaction like /api/'s (the
    `gate` of `securebank.idempotency_http`): a PIN in the body is checked by
    `pin_check_in_payment`; otherwise a live ticket stands for a PIN verified in the last
    PIN_TICKET_SECONDS, unless payments got locked since; otherwise the same gate decides with
    no PIN (refused once a PIN is set, or always when PIN_REQUIRED is on)."""
    if not pin and pin_ticket_take(user=user):
        status = pins.pin_status(user=user)
        if status.locked:
            raise PinLocked(locked_until=clock.timestamp(status.locked_until))
        return None
    return pins.pin_check_in_payment(user=user, pin=pin)
