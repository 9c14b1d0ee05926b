"""Health checks. Each check returns ("ok" | "degraded" | "down", detail).

Two questions, two answers:
- readiness (what a load balancer asks: can this process serve requests?) depends only on the
  *critical* checks: the database. Without it nothing can be served; without Redis, money
  still moves (notifications are stored and re-sent by the sweeper, throttles fail open).
- the full report (what an operator asks) runs every check. A critical check that is down makes
  it "unavailable" (503); any other check that is down or degraded makes it "degraded" (200).

Who sees what: the checks' details (database vendor, the fraud model's version, the miner's lag)
are for staff. Anyone else, a load balancer included, gets `public_report`: the status alone,
which with the HTTP status code is all a load balancer acts on.

Apps may register extra checks (the fraud model, say) with `register_check`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable

from channels.layers import get_channel_layer
from django.db import connection

from securebank import server_loop

logger = logging.getLogger(__name__)

Check = Callable[[], tuple[str, str]]
_checks: dict[str, Check] = {}
_critical: set[str] = set()
# A dependency that does not answer within this many seconds is down (a health check that hangs
# is worse than one that fails).
CHECK_TIMEOUT_SECONDS = 3.0


def register_check(name: str, check: Check, *, critical: bool = False) -> None:
    """`critical`: the process cannot serve without it (readiness fails, the report is a 503)."""
    _checks[name] = check
    if critical:
        _critical.add(name)
    else:
        _critical.discard(name)


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

        server_loop.run(bounded)
        return "ok", type(layer).__name__
    except Exception:
        logger.warning("health: channel layer unreachable", exc_info=True)
        return "down", "channel layer unreachable"


register_check("database", check_database, critical=True)
register_check("channel_layer", check_channel_layer)


def _run(names: list[str]) -> dict[str, dict[str, str]]:
    checks = {}
    for name in names:
        check = _checks[name]
        try:
            state, detail = check()
        except Exception:
            # A broken check must not turn the health endpoint itself into a 500.
            logger.warning("health: check %s failed", name, exc_info=True)
            state, detail = "down", "check failed"
        if state not in {"ok", "degraded", "down"}:
            state, detail = "down", f"check returned an unknown state {state!r}"
        checks[name] = {"status": state, "detail": detail}
    return checks


def _overall(checks: dict[str, dict[str, str]]) -> str:
    if any(c["status"] == "down" and name in _critical for name, c in checks.items()):
        return "unavailable"
    return "ok" if all(c["status"] == "ok" for c in checks.values()) else "degraded"


def health_report() -> dict:
    """Every check: "unavailable" if a critical one is down, "degraded" if any other is not ok."""
    checks = _run(list(_checks))
    return {"status": _overall(checks), "checks": checks}


def readiness_report() -> dict:
    """Only what serving needs (the critical checks): cheap enough for a load balancer's poll."""
    checks = _run(sorted(name for name in _checks if name in _critical))
    return {"status": _overall(checks), "checks": checks}


def public_report(report: dict) -> dict:
    """What anonymous callers and customers see of a report: its status, no checks."""
    return {"status": report["status"]}


def down_critical(report: dict) -> list[str]:
    return sorted(n for n, c in report["checks"].items() if c["status"] == "down" and n in _critical)
