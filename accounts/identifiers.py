"""Indian mobile numbers and UPI IDs (VPAs): one place that normalizes and validates them.

Pure functions, used by registration, login, payee resolution and the voice parser.
"""

from __future__ import annotations

import re

_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_MOBILE_RE = re.compile(r"^[6-9]\d{9}$", re.ASCII)  # ASCII digits only: stored and compared as-is
# NPCI VPA: local part of letters, digits, dot, hyphen, underscore; handle of letters/digits.
VPA_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}@[a-z][a-z0-9]{1,63}$")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,29}$")


def normalize_phone(raw: str) -> str | None:
    """'+91 98765-43210', '098765 43210', '9876543210' -> '9876543210'; anything else -> None."""
    if not isinstance(raw, str):
        return None
    text = _PHONE_SEPARATORS.sub("", raw.strip())
    if text.startswith("+91"):
        text = text[3:]
    elif text.startswith("0091"):
        text = text[4:]
    elif len(text) == 12 and text.startswith("91"):
        text = text[2:]
    elif len(text) == 11 and text.startswith("0"):
        text = text[1:]
    return text if _MOBILE_RE.match(text) else None


def normalize_vpa(raw: str) -> str | None:
    """Case-insensitive VPA -> lower case, or None when it is not a valid VPA."""
    if not isinstance(raw, str):
        return None
    text = raw.strip().lower()
    return text if VPA_RE.match(text) else None


def normalize_username(raw: str) -> str:
    return raw.strip().lower() if isinstance(raw, str) else ""


def is_valid_username(username: str) -> bool:
    return bool(USERNAME_RE.match(username))
