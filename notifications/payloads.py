"""What a Socket.IO client receives for each native event (documented in docs/realtime.md).

Pure translation, no I/O (money text for people comes from securebank.money, the one formatter). A native event is
`{"type": EVENT, "data": {...}, "timestamp", "sent_at"}` with money as decimal strings. Socket.IO
clients (the classic web app, the JS and mobile SDKs) read the fields at the top level of the
event's argument and format money with `.toFixed()`, so each Socket.IO payload is flat:

    {"type", "title", "message", <money fields as JSON numbers>, "transaction_id"?,
     "notification_id"?, "data": <the native data, unchanged>, "timestamp", "sent_at"}

`data` keeps the exact decimal strings, so nothing is lost in the translation.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from securebank.money import format_rupees

# The native fields that hold money (decimal strings with two places).
MONEY_FIELDS = ("amount", "balance", "previous_balance", "change")
# Passed through to the top level because a client keys on them (dedupe, mark-read, links).
ID_FIELDS = ("transaction_id", "notification_id", "alert_id")
# A double holds every decimal of up to 15 significant digits exactly in the sense that matters
# here: its shortest representation (what `json` writes) is that decimal again.
MAX_EXACT_DIGITS = 15

DEFAULT_TITLES = {
    "payment_sent": "Payment sent",
    "payment_received": "Money received",
    "balance_update": "Balance updated",
    "notification": "Notification",
    "fraud_alert": "Fraud alert",
}


def money_number(text: Any) -> float | None:
    """A decimal string with at most two places as a JSON number whose text is the same
    decimal (`"9750.50"` -> 9750.5); None for anything that could not be written exactly."""
    if not isinstance(text, str):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value.as_tuple().exponent < -2:
        return None
    if len(value.normalize().as_tuple().digits) > MAX_EXACT_DIGITS:
        return None
    number = float(value)
    return number if Decimal(repr(number)) == value else None


def socketio_payload(*, event: str, data: dict[str, Any], timestamp: str | None, sent_at: str | None) -> dict[str, Any]:
    """The Socket.IO argument for one native event (same event name)."""
    payload: dict[str, Any] = {
        "type": _type(event, data),
        "title": _text(data.get("title")) or DEFAULT_TITLES.get(event, "Notification"),
        "message": _text(data.get("message")) or _default_message(event, data),
    }
    for field in MONEY_FIELDS:
        number = money_number(data.get(field))
        if number is not None:
            payload[field] = number
    for field in ID_FIELDS:
        if data.get(field) is not None:
            payload[field] = data[field]
    payload.update(data=data, timestamp=timestamp, sent_at=sent_at)
    return payload


def _type(event: str, data: dict[str, Any]) -> str:
    """`notification` carries its kind (`money_request.created`, `payment.declined`, ...) as
    `type`: that is what a client switches on. Every other event's type is its own name."""
    if event == "notification":
        return _text(data.get("kind")) or "notification"
    return event


def _default_message(event: str, data: dict[str, Any]) -> str:
    # Only balance_update has no stored title/message natively (it is live only).
    if event == "balance_update" and money_number(data.get("balance")) is not None:
        return f"Your balance is {format_rupees(data['balance'])}"
    return ""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
