"""The UPI PIN: set, change, reset, verify, and the check every money-moving call makes first.

Stored as HMAC-SHA256("<user id>:<pin>") under PIN_HMAC_KEY, never as the PIN. A 4- or 6-digit
PIN has at most a million values, so a slow password hash would not protect a leaked table (a
GPU tries them all anyway) and would cost ~1 s of CPU on every payment here; against a leaked
database the server-side key is the defence, against an online guesser the lock is: three wrong
PINs lock payments for PIN_LOCK_HOURS (24, the UPI rule). The user id in the message means two
customers with the same PIN have different hashes.

Key rotation: `key_id` names the key a row was hashed with. A row under a retired key
(PIN_HMAC_KEYS_OLD) still verifies, and a correct PIN rehashes it under the current key.

Every check locks the customer's PIN row (`select_for_update`), so concurrent guesses are
counted one by one, and the count commits even when the payment that asked for the check moves
nothing. `pin_verify` and `pin_check_for_payment` run in their own durable transaction (call
them OUTSIDE any atomic block); `pin_check_in_payment` runs first in the payment's own
transaction (one commit for the PIN and the money) and hands back a counted refusal for the
caller to raise after committing it.

A PIN never appears in a log line, an error, an audit row, a notification or a stored
idempotency request (securebank.idempotency_http drops it from the fingerprint).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.authentication import user_inactive, user_not_found
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
from accounts.models import User, UserPin
from accounts.signals import pin_locked
from securebank import clock, sql
from securebank.audit import audit_record

_PIN_FORMAT = re.compile(r"[0-9]{4}|[0-9]{6}")  # ASCII digits only: \d would take other scripts'


@dataclass(frozen=True)
class PinStatus:
    is_set: bool
    locked: bool
    locked_until: datetime | None
    attempts_left: int | None  # None when no PIN is set


# --- hashing (pure) ------------------------------------------------------------------------------

@lru_cache(maxsize=16)
def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


def pin_digest(*, user_id: int, pin: str, key: bytes) -> str:
    return hmac.new(key, f"{user_id}:{pin}".encode(), hashlib.sha256).hexdigest()


def _keys() -> list[bytes]:
    return [settings.PIN_HMAC_KEY, *settings.PIN_HMAC_KEYS_OLD]


def _matches(row: UserPin, pin: str) -> bool:
    """Constant-time comparison under the key the row names (a row whose key is gone matches
    nothing: a reset is the way back)."""
    for key in _keys():
        if key_id(key) == row.key_id:
            return hmac.compare_digest(pin_digest(user_id=row.user_id, pin=pin, key=key), row.pin_hash)
    return False


def _hash_into(row: UserPin, pin: str) -> None:
    key = settings.PIN_HMAC_KEY
    row.pin_hash = pin_digest(user_id=row.user_id, pin=pin, key=key)
    row.key_id = key_id(key)


def _check_format(pin: object, field: str) -> str:
    if not isinstance(pin, str) or not _PIN_FORMAT.fullmatch(pin):
        raise PinFormatInvalid(fields={field: ["Enter 4 or 6 digits."]})
    return pin


# --- reads ---------------------------------------------------------------------------------------

def _locked(row: UserPin, now: datetime) -> bool:
    return row.locked_until is not None and row.locked_until > now


def pin_status(*, user: User) -> PinStatus:
    row = UserPin.objects.filter(user=user).first()
    if row is None:
        return PinStatus(is_set=False, locked=False, locked_until=None, attempts_left=None)
    now = timezone.now()
    locked = _locked(row, now)
    attempts = 0 if row.locked_until and not locked else row.failed_attempts  # an expired lock starts afresh
    return PinStatus(
        is_set=True, locked=locked, locked_until=row.locked_until if locked else None,
        attempts_left=0 if locked else max(settings.PIN_MAX_ATTEMPTS - attempts, 0),
    )


# --- writes --------------------------------------------------------------------------------------

def pin_set(*, user: User, pin: str, pin_confirm: str) -> PinStatus:
    """First PIN of a customer: 4 or 6 digits, entered twice. 409 when one is set already."""
    _check_format(pin, "pin")
    _check_format(pin_confirm, "pin_confirm")
    if not hmac.compare_digest(pin, pin_confirm):
        raise PinMismatch(fields={"pin_confirm": ["The two PINs do not match."]})
    row = UserPin(user=user)
    _hash_into(row, pin)
    try:
        with transaction.atomic(durable=True):
            if UserPin.objects.filter(user=user).exists():
                raise PinAlreadySet()
            row.save(force_insert=True)
            audit_record(actor=user, action="pin.set", obj=row, after={"key_id": row.key_id})
    except IntegrityError as exc:  # a concurrent set won the race
        raise PinAlreadySet() from exc
    return pin_status(user=user)


def pin_verify(*, user: User, pin: str) -> None:
    """Check the PIN, counting a wrong one. Raises PinNotSet, PinLocked or PinInvalid (with
    `attempts_left`); the third wrong PIN in a row locks and raises PinLocked.

    Call outside any atomic block: the count must commit although the caller's work fails."""
    _check_format(pin, "pin")
    error = None
    with transaction.atomic(durable=True):
        row = UserPin.objects.select_for_update().filter(user=user).first()
        if row is None:
            raise PinNotSet()
        error, wrote = _attempt(row, pin, timezone.now())
        if not wrote:
            _commit_without_waiting_for_disk()
    if error is not None:  # raised after the commit, so the count and the lock are kept
        raise error


def _commit_without_waiting_for_disk() -> None:
    """The right PIN changed nothing: only the row lock was written. On PostgreSQL that lock
    still makes the commit wait for a WAL flush (4 ms median under load in bench/pin.py);
    losing a lock record in a crash is harmless, so this transaction does not wait for it.
    Every transaction that changes the row (a count, a lock, a rehash) commits synchronously."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _attempt(row: UserPin, pin: str, now: datetime) -> tuple[PinInvalid | PinLocked | None, bool]:
    """One attempt against a locked row: (the error or None, whether the row was written).
    Caller holds the row lock in a durable transaction."""
    if _locked(row, now):
        return PinLocked(locked_until=clock.timestamp(row.locked_until)), False
    expired_lock = row.locked_until is not None
    if _matches(row, pin):
        fields = []
        if row.failed_attempts or expired_lock:
            row.failed_attempts, row.locked_until = 0, None
            fields += ["failed_attempts", "locked_until"]
        if row.key_id != key_id(settings.PIN_HMAC_KEY):  # rotation: move the row to the current key
            _hash_into(row, pin)
            fields += ["pin_hash", "key_id"]
        if fields:
            row.save(update_fields=[*fields, "updated_at"])
        return None, bool(fields)
    before = {"failed_attempts": row.failed_attempts}
    row.failed_attempts = (0 if expired_lock else row.failed_attempts) + 1
    row.locked_until = None
    if row.failed_attempts >= settings.PIN_MAX_ATTEMPTS:
        row.locked_until = now + timedelta(hours=settings.PIN_LOCK_HOURS)
        row.save(update_fields=["failed_attempts", "locked_until", "updated_at"])
        _record_lock(row, before)
        return PinLocked(locked_until=clock.timestamp(row.locked_until)), True
    row.save(update_fields=["failed_attempts", "locked_until", "updated_at"])
    return PinInvalid(attempts_left=settings.PIN_MAX_ATTEMPTS - row.failed_attempts), True


def _record_lock(row: UserPin, before: dict) -> None:
    """Audit row and `pin_locked`, in the lock's transaction: its receiver stores the
    customer's notification there too (pushed after commit)."""
    until = clock.timestamp(row.locked_until)
    audit_record(actor=row.user, action="pin.locked", obj=row, before=before,
                 after={"failed_attempts": row.failed_attempts, "locked_until": until})
    pin_locked.send(sender=UserPin, user_id=row.user_id, failed_attempts=row.failed_attempts, locked_until=until)


def pin_change(*, user: User, current_pin: str, new_pin: str) -> PinStatus:
    """Change with the current PIN (a wrong one counts toward the lock, like any attempt)."""
    _check_format(current_pin, "current_pin")
    _check_format(new_pin, "new_pin")
    error = None
    with transaction.atomic(durable=True):
        row = UserPin.objects.select_for_update().filter(user=user).first()
        if row is None:
            raise PinNotSet()
        error, _ = _attempt(row, current_pin, timezone.now())
        if error is None:
            _hash_into(row, new_pin)
            row.save(update_fields=["pin_hash", "key_id", "updated_at"])
            audit_record(actor=user, action="pin.change", obj=row, after={"key_id": row.key_id})
    if error is not None:
        raise error
    return pin_status(user=user)


def pin_reset(*, user: User, password: str, new_pin: str) -> PinStatus:
    """Forgotten or locked PIN: the account password sets a new one and clears the lock.
    Works whether or not a PIN was set. Throttled at the view like login."""
    _check_format(new_pin, "new_pin")
    if not isinstance(password, str) or not user.check_password(password):
        raise PasswordInvalid()
    with transaction.atomic(durable=True):
        row = UserPin.objects.select_for_update().filter(user=user).first()
        created = row is None
        if created:
            row = UserPin(user=user)
        before = {} if created else {"failed_attempts": row.failed_attempts,
                                     "locked_until": clock.timestamp(row.locked_until)}
        _hash_into(row, new_pin)
        row.failed_attempts, row.locked_until = 0, None
        row.save(force_insert=created)
        audit_record(actor=user, action="pin.reset", obj=row, before=before, after={"key_id": row.key_id})
    return pin_status(user=user)


def _check_no_pin(*, has_pin: bool) -> None:
    """A payment sent without a PIN: refused once the customer has set one (PinRequired), or
    when PIN_REQUIRED is on (PinNotSet); allowed otherwise."""
    if has_pin:
        raise PinRequired(fields={"pin": ["Enter your UPI PIN to pay."]})
    if settings.PIN_REQUIRED:
        raise PinNotSet()


# The payer as the payment's transaction sees it: still there, still active, and whether a PIN
# is set, in one statement (views with `user_read_in_payment` did not read the user).
_PAYER_SQL = "SELECT {is_active}, EXISTS (SELECT 1 FROM {pins} p WHERE p.{pin_user} = {table}.{id}) FROM {table} WHERE {id} = %s"


@lru_cache(maxsize=4)
def _payer_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    template = _PAYER_SQL.replace("{pins}", quote(UserPin._meta.db_table))
    return sql.model_sql(User, template.replace("{pin_user}", quote(UserPin._meta.get_field("user").column)))


def _payer_has_pin(user: User) -> bool:
    """Whether the payer has set a UPI PIN; 401 (simplejwt's codes) when they were deleted or
    deactivated since their token was issued."""
    row = sql.fetch_one(_payer_sql(connection.vendor), [user.pk])
    if row is None:
        raise user_not_found()
    if not row[0]:
        raise user_inactive()
    return bool(row[1])


def pin_check_in_payment(*, user: User, pin: str | None) -> PinInvalid | PinLocked | None:
    """`pin_check_for_payment` as the first step of the payment's own durable transaction, so
    a payment commits once (ledger.idempotency's `gate`). Lock order: the PIN row, then the
    idempotency key, then the accounts.

    It is also where a view with `user_read_in_payment` learns that its caller still exists and
    is active: the first statement reads both, with whether a PIN is set.

    Refusals that wrote nothing are raised (the caller's transaction rolls back nothing of
    importance). A wrong or locked PIN is RETURNED: the caller must write nothing else, commit
    (the count and any lock with its audit row and notification are kept), then raise it."""
    has_pin = _payer_has_pin(user)
    if pin is None or pin == "":
        _check_no_pin(has_pin=has_pin)
        return None
    _check_format(pin, "pin")
    row = UserPin.objects.select_for_update().filter(user=user).first() if has_pin else None
    if row is None:
        if settings.PIN_REQUIRED:
            raise PinNotSet()
        return None
    error, _wrote = _attempt(row, pin, timezone.now())
    return error


def pin_check_for_payment(*, user: User, pin: str | None) -> None:
    """The gate in front of every money-moving call, run BEFORE the money's transaction.

    - PIN set: `pin` is required (PinRequired) and must be right (PinInvalid / PinLocked); the
      attempt is counted and committed even though the payment then moves nothing.
    - No PIN set: refused with PinNotSet when PIN_REQUIRED is on (the default), allowed off.
    """
    if pin is None or pin == "":
        _check_no_pin(has_pin=UserPin.objects.filter(user=user).exists())
        return
    try:
        pin_verify(user=user, pin=pin)
    except PinNotSet:
        if settings.PIN_REQUIRED:
            raise
