"""The hook through which the fraud app decides allow / hold / decline before money moves.

The ledger does not import the fraud app: `settings.LEDGER_RISK_ASSESSOR` names an object with
`assess(context) -> RiskVerdict` and `record(transaction=..., verdict=...)`. Both run inside the
transfer's database transaction with both accounts locked, so the features see the balances
that the transfer will actually use, and an alert commits (or rolls back) with the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

Decision = Literal["allow", "hold", "decline"]


@dataclass(frozen=True)
class TransferContext:
    """What a scorer may look at. Balances are read after locking."""

    payer_user_id: int | None
    payee_user_id: int | None
    payer_account_id: int
    payee_account_id: int
    amount: Decimal
    kind: str
    channel: str
    payer_balance: Decimal  # before this transfer
    payer_available: Decimal
    payee_balance: Decimal  # before this transfer
    at: datetime


@dataclass(frozen=True)
class RiskVerdict:
    decision: Decision
    score: float | None = None
    model_version: str | None = None
    reasons: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


class RiskAssessor(Protocol):
    def assess(self, context: TransferContext) -> RiskVerdict: ...

    def record(self, *, transaction: Any, verdict: RiskVerdict) -> None: ...


class AllowAll:
    """For bank-internal postings only (deposits, reversals): never for customer transfers."""

    def assess(self, context: TransferContext) -> RiskVerdict:
        return RiskVerdict(decision="allow")

    def record(self, *, transaction: Any, verdict: RiskVerdict) -> None:
        return None


@lru_cache(maxsize=4)
def _load(path: str) -> RiskAssessor:
    target = import_string(path)
    return target() if isinstance(target, type) else target  # a class or a ready instance


def get_risk_assessor() -> RiskAssessor:
    return _load(settings.LEDGER_RISK_ASSESSOR)
