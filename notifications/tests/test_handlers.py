"""accounts.signals.pin_locked -> the stored notification, in the lock's own transaction."""

from __future__ import annotations

import pytest

from accounts import pin as pins
from accounts.exceptions import PinInvalid, PinLocked
from accounts.models import UserPin
from notifications import handlers
from notifications.models import Notification
from securebank.models import AuditEvent

pytestmark = pytest.mark.django_db


def _two_wrong(user) -> None:
    pins.pin_set(user=user, pin="1234", pin_confirm="1234")
    for _ in range(2):
        with pytest.raises(PinInvalid):
            pins.pin_verify(user=user, pin="0000")


def test_a_locked_pin_is_stored_and_pushed_after_the_commit(user, settings, django_capture_on_commit_callbacks):
    _two_wrong(user)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(PinLocked):
        pins.pin_verify(user=user, pin="0000")
    note = Notification.objects.get(user=user)
    assert (note.event, note.title, note.data["kind"]) == ("notification", "UPI PIN locked", "pin.locked")
    assert note.data["locked_until"] == AuditEvent.objects.get(action="pin.locked").after["locked_until"]
    assert note.message.startswith(f"3 incorrect UPI PINs: payments are locked for {settings.PIN_LOCK_HOURS} hours.")
    assert callbacks and note.pushed_at is None  # the push waits for the commit


def test_the_receiver_runs_inside_the_lock_transaction(user, monkeypatch):
    """A notification that cannot be stored rolls the lock back with it: one transaction."""
    _two_wrong(user)

    def refuse(**kwargs):
        raise RuntimeError("notifications are down")

    monkeypatch.setattr(handlers, "notification_send", refuse)
    with pytest.raises(RuntimeError):
        pins.pin_verify(user=user, pin="0000")
    row = UserPin.objects.get(user=user)
    assert row.failed_attempts == 2 and row.locked_until is None
    assert not AuditEvent.objects.filter(action="pin.locked").exists()
