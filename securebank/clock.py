"""The bank's one clock and its one timestamp format, for every channel.

REST (DRF renders datetimes in the current time zone), WebSocket and Socket.IO events, stored
notifications, voice confirmations and error fields all show a moment the same way: ISO-8601
in the bank's time zone (settings.TIME_ZONE, Asia/Kolkata: `2026-01-31T15:00:00.123456+05:30`).
Moments are stored and compared as aware UTC datetimes; only their text is local. The chain's
block and leaf timestamps stay UTC (`chain.crypto.canonical_timestamp`): they are hashed.

Tests move time by patching `django.utils.timezone.now`, which `now()` calls each time.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def now() -> datetime:
    """The current moment, aware (UTC)."""
    return timezone.now()


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def timestamp(value: datetime | None) -> str | None:
    """`value` as the API shows moments (what DRF's DateTimeField writes); None stays None."""
    if value is None:
        return None
    return timezone.localtime(value, _zone(settings.TIME_ZONE)).isoformat()
