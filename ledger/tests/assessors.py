"""Scripted risk assessors for ledger tests: the fraud model is another app's concern; here we
only need each decision on demand."""

from __future__ import annotations

from typing import Any

from ledger.risk import RiskVerdict, TransferContext


class Scripted:
    decision = "allow"
    seen: list[TransferContext] = []
    recorded: list[tuple[Any, RiskVerdict]] = []

    def assess(self, context: TransferContext) -> RiskVerdict:
        Scripted.seen.append(context)
        return RiskVerdict(decision=Scripted.decision, score={"allow": 0.01, "hold": 0.8, "decline": 0.99}[Scripted.decision],
                           model_version="test-1", reasons=[f"scripted {Scripted.decision}"])

    def record(self, *, transaction: Any, verdict: RiskVerdict) -> None:
        Scripted.recorded.append((transaction, verdict))
