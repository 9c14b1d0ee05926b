"""Risk assessors for benchmarks that measure something other than fraud scoring (the servers
import them by dotted path through LEDGER_RISK_ASSESSOR). Never configure one in a bank."""

from __future__ import annotations

from typing import Any

from ledger.risk import RiskVerdict, TransferContext


class AllowEverything:
    """Allows every transfer and records nothing (a long run keeps no per-transfer state)."""

    def assess(self, context: TransferContext) -> RiskVerdict:
        return RiskVerdict(decision="allow", score=0.0, model_version="bench-allow-all", reasons=["benchmark: allow all"])

    def record(self, *, transaction: Any, verdict: RiskVerdict) -> None:
        return None
