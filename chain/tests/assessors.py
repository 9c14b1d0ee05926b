"""A risk assessor whose decision each chain test sets: the fraud model is another app's
concern, and a model that holds or declines at random would make these tests flaky."""

from __future__ import annotations

from typing import Any

from ledger.risk import RiskVerdict, TransferContext


class Scripted:
    decision = "allow"

    def assess(self, context: TransferContext) -> RiskVerdict:
        score = {"allow": 0.01234, "hold": 0.8, "decline": 0.99}[Scripted.decision]
        return RiskVerdict(decision=Scripted.decision, score=score, model_version="chain-test-1",
                           reasons=[f"scripted {Scripted.decision}"])

    def record(self, *, transaction: Any, verdict: RiskVerdict) -> None:
        return None
