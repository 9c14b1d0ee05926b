"""The scripted risk assessor every app's tests use (through the `scripted_risk` fixture of the
root conftest): the fraud model is the fraud app's concern; elsewhere a test chooses each
decision (`scripted_risk.decision = "hold"`)."""

from __future__ import annotations

from typing import Any, ClassVar

from ledger.risk import RiskVerdict, TransferContext

SCORES = {"allow": 0.01, "hold": 0.8, "decline": 0.99}


class Scripted:
    decision: ClassVar[str] = "allow"
    model_version: ClassVar[str] = "test-1"
    scores: ClassVar[dict[str, float]] = SCORES
    seen: ClassVar[list[TransferContext]] = []
    recorded: ClassVar[list[tuple[Any, RiskVerdict]]] = []

    @classmethod
    def reset(cls, *, model_version: str = "test-1", scores: dict[str, float] | None = None) -> None:
        cls.decision, cls.model_version, cls.scores = "allow", model_version, scores or SCORES
        cls.seen, cls.recorded = [], []

    def assess(self, context: TransferContext) -> RiskVerdict:
        Scripted.seen.append(context)
        return RiskVerdict(decision=Scripted.decision, score=Scripted.scores[Scripted.decision],
                           model_version=Scripted.model_version, reasons=[f"scripted {Scripted.decision}"])

    def record(self, *, transaction: Any, verdict: RiskVerdict) -> None:
        Scripted.recorded.append((transaction, verdict))
