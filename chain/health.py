"""Health check: is the miner keeping up? ("degraded", never "down": payments still work.)"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import DatabaseError
from django.utils import timezone

from chain.models import Block
from ledger.selectors_chain import sealable_completed_between

logger = logging.getLogger(__name__)
MINER_LAG = timedelta(minutes=2)


def check_miner() -> tuple[str, str]:
    """Degraded when a transaction completed after the newest block, more than MINER_LAG ago,
    is still unsealed: the miner (`mine_blocks --loop`) is not running or is failing.

    Every sealed transaction completed before its block's timestamp, so this is an index range
    scan, not a scan of the ledger."""
    try:
        tip = Block.objects.order_by("-index").values_list("index", "timestamp").first()
        if tip is None:
            return "degraded", "no genesis block (run migrate)"
        stale = sealable_completed_between(after=tip[1], before=timezone.now() - MINER_LAG)
    except DatabaseError:
        logger.warning("health: chain check failed", exc_info=True)
        return "degraded", "chain state unreadable"
    if stale is not None:
        lag = int((timezone.now() - stale).total_seconds())
        return "degraded", f"miner behind: a completed transaction has waited {lag} s to be sealed"
    return "ok", f"head block {tip[0]}"
