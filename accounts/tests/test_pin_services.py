"""accounts.pin: keyed hash, lock after three wrong PINs, rotation, the payment gate."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import pin as pins
from accounts.exceptions import (
    PasswordInvalid,
    PinAlreadySet,
    PinFormatInvalid,
    PinInvalid,
    PinLocked,
    PinMismatch,
    PinNotSet,
    PinRequired,
)
from accounts.models import UserPin
from accounts.tests.factories import PASSWORD
from notifications.models import Notification
from securebank import clock
from securebank.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_stored_as_hmac_of_user_id_and_pin_never_the_pin(user, settings):
    pins.pin_set(user=user, pin="123456", pin_confirm="123456")
    row = UserPin.objects.get(user=user)
    expected = hmac.new(settings.PIN_HMAC_KEY, f"{user.pk}:123456".encode(), hashlib.sha256).hexdigest()
    assert row.pin_hash == expected
    assert "123456" not in row.pin_hash
    assert row.key_id == hashlib.sha256(settings.PIN_HMAC_KEY).hexdigest()[:16]


def test_same_pin_two_customers_two_hashes(user_factory):
    a, b = user_factory(), user_factory()
    for u in (a, b):
        pins.pin_set(user=u, pin="4321", pin_confirm="4321")
    assert UserPin.objects.get(user=a).pin_hash != UserPin.objects.get(user=b).pin_hash


@pytest.mark.parametrize("bad", ["123", "12345", "1234567", "12a4", " 1234", "１２３４", "", 1234, None, "١٢٣٤"])
def test_only_four_or_six_ascii_digits(user, bad):
    with pytest.raises(PinFormatInvalid) as caught:
        pins.pin_set(user=user, pin=bad, pin_confirm=bad)
    assert str(bad) not in str(caught.value.as_body()) or bad in ("", None)
    assert not UserPin.objects.filter(user=user).exists()


def test_set_twice_and_mismatch(user):
    with pytest.raises(PinMismatch):
        pins.pin_set(user=user, pin="1234", pin_confirm="1243")
    status = pins.pin_set(user=user, pin="1234", pin_confirm="1234")
    assert status.is_set and not status.locked and status.attempts_left == 3
    with pytest.raises(PinAlreadySet):
        pins.pin_set(user=user, pin="5678", pin_confirm="5678")
    pins.pin_verify(user=user, pin="1234")  # unchanged


def test_status_without_pin(user):
    assert pins.pin_status(user=user) == pins.PinStatus(is_set=False, locked=False, locked_until=None, attempts_left=None)
    with pytest.raises(PinNotSet):
        pins.pin_verify(user=user, pin="1234")


def test_three_wrong_lock_for_24_hours_with_audit_and_notification(user, django_capture_on_commit_callbacks):
    pins.pin_set(user=user, pin="1234", pin_confirm="1234")
    with pytest.raises(PinInvalid) as first:
        pins.pin_verify(user=user, pin="0000")
    assert first.value.extra["attempts_left"] == 2
    with pytest.raises(PinInvalid) as second:
        pins.pin_verify(user=user, pin="0000")
    assert second.value.extra["attempts_left"] == 1
    before = timezone.now()
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(PinLocked) as third:
        pins.pin_verify(user=user, pin="0000")
    assert callbacks, "the lock notification is pushed after commit"
    row = UserPin.objects.get(user=user)
    assert before + timedelta(hours=24) <= row.locked_until <= timezone.now() + timedelta(hours=24)
    assert third.value.extra["locked_until"] == clock.timestamp(row.locked_until)
    # locked: even the right PIN is refused, and nothing more is counted
    with pytest.raises(PinLocked):
        pins.pin_verify(user=user, pin="1234")
    status = pins.pin_status(user=user)
    assert status.locked and status.locked_until == row.locked_until and status.attempts_left == 0
    audit = AuditEvent.objects.get(action="pin.locked")
    assert audit.actor == user and audit.after["failed_attempts"] == 3
    assert "0000" not in str(audit.before) + str(audit.after) and "1234" not in str(audit.after)
    note = Notification.objects.get(user=user)
    assert note.data["kind"] == "pin.locked" and note.title == "UPI PIN locked"
    assert "0000" not in note.message and "1234" not in note.message


def test_correct_pin_resets_the_count(user):
    pins.pin_set(user=user, pin="1234", pin_confirm="1234")
    for _ in range(2):
        with pytest.raises(PinInvalid):
            pins.pin_verify(user=user, pin="9999")
    pins.pin_verify(user=user, pin="1234")
    assert UserPin.objects.get(user=user).failed_attempts == 0
    with pytest.raises(PinInvalid) as caught:
        pins.pin_verify(user=user, pin="9999")
    assert caught.value.extra["attempts_left"] == 2


def test_lock_expires_after_24_hours_and_counting_starts_afresh(user):
    pins.pin_set(user=user, pin="1234", pin_confirm="1234")
    UserPin.objects.filter(user=user).update(failed_attempts=3, locked_until=timezone.now() - timedelta(seconds=1))
    assert pins.pin_status(user=user).attempts_left == 3
    with pytest.raises(PinInvalid) as caught:
        pins.pin_verify(user=user, pin="9999")
    assert caught.value.extra["attempts_left"] == 2
    pins.pin_verify(user=user, pin="1234")
    row = UserPin.objects.get(user=user)
    assert row.failed_attempts == 0 and row.locked_until is None


def test_change_needs_the_current_pin_and_counts_a_wrong_one(user):
    pins.pin_set(user=user, pin="1234", pin_confirm="1234")
    with pytest.raises(PinInvalid):
        pins.pin_change(user=user, current_pin="1111", new_pin="654321")
    pins.pin_verify(user=user, pin="1234")  # unchanged
    pins.pin_change(user=user, current_pin="1234", new_pin="654321")
    pins.pin_verify(user=user, pin="654321")
    with pytest.raises(PinInvalid):
        pins.pin_verify(user=user, pin="1234")
    assert AuditEvent.objects.filter(action="pin.change").count() == 1


def test_reset_with_password_clears_the_lock(user):
    pins.pin_set(user=user, pin="1234", pin_confirm="1234")
    UserPin.objects.filter(user=user).update(failed_attempts=3, locked_until=timezone.now() + timedelta(hours=5))
    with pytest.raises(PasswordInvalid):
        pins.pin_reset(user=user, password="not-the-password", new_pin="2468")
    assert pins.pin_status(user=user).locked
    status = pins.pin_reset(user=user, password=PASSWORD, new_pin="2468")
    assert status.is_set and not status.locked
    pins.pin_verify(user=user, pin="2468")
    assert AuditEvent.objects.get(action="pin.reset").before["failed_attempts"] == 3


def test_reset_sets_a_first_pin_too(user):
    pins.pin_reset(user=user, password=PASSWORD, new_pin="2468")
    pins.pin_verify(user=user, pin="2468")


def test_rotation_old_key_verifies_and_is_rehashed(user, settings):
    old = settings.PIN_HMAC_KEY
    pins.pin_set(user=user, pin="1234", pin_confirm="1234")
    new = base64.b64decode(base64.b64encode(b"n" * 32))
    settings.PIN_HMAC_KEY, settings.PIN_HMAC_KEYS_OLD = new, [old]
    pins.pin_verify(user=user, pin="1234")
    row = UserPin.objects.get(user=user)
    assert row.key_id == pins.key_id(new)
    assert row.pin_hash == pins.pin_digest(user_id=user.pk, pin="1234", key=new)
    settings.PIN_HMAC_KEYS_OLD = []  # the old key can now go
    pins.pin_verify(user=user, pin="1234")


def test_a_row_under_a_key_no_longer_configured_matches_nothing(user, settings):
    pins.pin_set(user=user, pin="1234", pin_confirm="1234")
    settings.PIN_HMAC_KEY = b"x" * 32
    with pytest.raises(PinInvalid):
        pins.pin_verify(user=user, pin="1234")


class TestPaymentGate:
    def test_required_setting_on_refuses_customers_without_a_pin(self, user, settings):
        settings.PIN_REQUIRED = True
        with pytest.raises(PinNotSet):
            pins.pin_check_for_payment(user=user, pin=None)
        with pytest.raises(PinNotSet):
            pins.pin_check_for_payment(user=user, pin="1234")

    def test_required_setting_off_lets_customers_without_a_pin_pay(self, user, settings):
        settings.PIN_REQUIRED = False
        pins.pin_check_for_payment(user=user, pin=None)
        pins.pin_check_for_payment(user=user, pin="1234")

    @pytest.mark.parametrize("required", [True, False])
    def test_once_set_the_pin_is_always_needed(self, user, settings, required):
        settings.PIN_REQUIRED = required
        pins.pin_set(user=user, pin="1234", pin_confirm="1234")
        for missing in (None, ""):
            with pytest.raises(PinRequired):
                pins.pin_check_for_payment(user=user, pin=missing)
        with pytest.raises(PinInvalid):
            pins.pin_check_for_payment(user=user, pin="4321")
        pins.pin_check_for_payment(user=user, pin="1234")
        assert UserPin.objects.get(user=user).failed_attempts == 0
