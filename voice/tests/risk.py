"""A scripted risk assessor: fraud scoring is the fraud app's concern; these tests choose."""

from __future__ import annotations

from typing import Any

from ledger.risk import RiskVerdict, TransferContext


class Scripted:
    decision = "allow"

    def assess(self, context: TransferContext) -> RiskVerdict:
        return RiskVerdict(decision=Scripted.decision, score={"allow": 0.01, "hold": 0.8, "decline": 0.99}[Scripted.decision],
                           model_version="voice-test", reasons=[f"scripted {Scripted.decision}"])

    def record(self, *, transaction: Any, verdict: RiskVerdict) -> None:
        return None
