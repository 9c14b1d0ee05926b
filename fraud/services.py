"""Fraud scoring in the payment path (placeholder until the model lands: allows everything).

`risk_assessor` implements ledger.risk.RiskAssessor.
"""

from __future__ import annotations

from typing import Any

from ledger.risk import RiskVerdict, TransferContext


class _Assessor:
    def assess(self, context: TransferContext) -> RiskVerdict:
        return RiskVerdict(decision="allow")

    def record(self, *, transaction: Any, verdict: RiskVerdict) -> None:
        return None


risk_assessor = _Assessor()
