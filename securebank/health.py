"""Health checks. Each check returns ("ok" | "degraded" | "down", detail).

Apps may register extra checks (the fraud model, say) with `register_check`; a `down` check
makes the service unavailable (503), a `degraded` one is reported but still serves (200).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection

logger = logging.getLogger(__name__)

Check = Callable[[], tuple[str, str]]
_checks: dict[str, Check] = {}
# A dependency that does not answer within this many seconds is down (a health check that hangs
# is worse than one that fails).
CHECK_TIMEOUT_SECONDS = 3.0


def register_check(name: str, check: Check) -> None:
    _checks[name] = check


def check_database() -> tuple[str, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok", connection.vendor
    except Exception:
        logger.warning("health: database unreachable", exc_info=True)
        return "down", "database unreachable"


def check_channel_layer() -> tuple[str, str]:
    layer = get_channel_layer()
    if layer is None:
        return "down", "no channel layer configured"
    try:
        # A round trip through the layer proves it is reachable (Redis or in-memory).
        async def roundtrip() -> None:
            channel = await layer.new_channel("health.")
            await layer.send(channel, {"type": "health.ping", "id": uuid.uuid4().hex})
            await layer.receive(channel)

        async def bounded() -> None:
            await asyncio.wait_for(roundtrip(), timeout=CHECK_TIMEOUT_SECONDS)

        async_to_sync(bounded)()
        return "ok", type(layer).__name__
    except Exception:
        logger.warning("health: channel layer unreachable", exc_info=True)
        return "down", "channel layer unreachable"


register_check("database", check_database)
register_check("channel_layer", check_channel_layer)


def health_report() -> dict:
    checks = {}
    for name, check in _checks.items():
        try:
            state, detail = check()
        except Exception:
            # A broken check must not turn the health endpoint itself into a 500.
            logger.warning("health: check %s failed", name, exc_info=True)
            state, detail = "down", "check failed"
        if state not in {"ok", "degraded", "down"}:
            state, detail = "down", f"check returned an unknown state {state!r}"
        checks[name] = {"status": state, "detail": detail}
    states = {c["status"] for c in checks.values()}
    overall = "unavailable" if "down" in states else "degraded" if "degraded" in states else "ok"
    return {"status": overall, "checks": checks}
