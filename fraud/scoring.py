"""Real-time scoring of one transfer: model probability, the customer's behaviour, the policy's
decision, reasons in words.

Runs inside the transfer's atomic block with both accounts locked, so it must be quick (the
active version is rechecked once a second, the behaviour reads are a few indexed queries, one
XGBoost call) and must never let
a transfer through unexamined: when there is no model or scoring fails it FAILS CLOSED, holding
transfers above FRAUD_FAIL_OPEN_LIMIT for review (allowing smaller ones), logging the failure and
turning `GET /api/health` degraded. Database errors are not swallowed: they fail the transfer
itself, so nothing moves either.

The decision is the policy's (fraud.policy): the model is one input. Reasons for the customer
are the policy's plain words; reasons for the operator add each signal's figures and, for a
doubtful or worse model score, the largest positive per-feature contributions (XGBoost's
`pred_contribs`, in log-odds) in words. Feature values never reach the customer or a log line.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import xgboost as xgb
from django.conf import settings

from fraud.behaviour import behaviour_for_transfer
from fraud.features import FEATURES, features_from_transfer
from fraud.policy import PolicyDecision, decide
from fraud.registry import LoadedModel, ModelUnavailable, active_model, active_models
from ledger.risk import Decision, TransferContext
from securebank.money import format_rupees

logger = logging.getLogger("fraud.scoring")

MEDIUM_FROM = 0.3
MIN_CONTRIBUTION = 0.1  # log-odds: smaller pushes are not worth a reason
MAX_REASONS = 3
FAILURE_WINDOW_SECONDS = 300.0
MODEL_UNAVAILABLE_REASON = "automatic fraud checks are unavailable; larger payments are reviewed by an operator"


@dataclass(frozen=True)
class FraudScore:
    probability: float | None  # the evidence ranked (model and signals, fraud.policy); None without a model
    risk_level: str  # low | medium | high | critical | unknown
    decision: Decision
    reasons: list[str]  # for the customer
    model_version: str | None
    model_probability: float | None = None
    rules: list[str] = field(default_factory=list)  # the policy's signals that fired
    degraded: bool = False
    operator_reasons: list[str] = field(default_factory=list)


def risk_level(probability: float | None, decision: Decision | None = None) -> str:
    """critical = declined, high = held; an allowed payment is medium or low by its risk."""
    if probability is None:
        return "unknown"
    if decision == "decline" or (decision is None and probability >= settings.FRAUD_BLOCK_THRESHOLD):
        return "critical"
    if decision == "hold" or (decision is None and probability >= settings.FRAUD_THRESHOLD):
        return "high"
    return "medium" if probability >= MEDIUM_FROM else "low"


class ScoringHealth:
    """Recent scoring failures, for the health check (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: list[float] = []

    def failed(self) -> None:
        with self._lock:
            now = time.monotonic()
            self._failures = [t for t in self._failures if now - t < FAILURE_WINDOW_SECONDS] + [now]

    def recent_failures(self) -> int:
        now = time.monotonic()
        with self._lock:
            return sum(1 for t in self._failures if now - t < FAILURE_WINDOW_SECONDS)

    def reset(self) -> None:
        with self._lock:
            self._failures = []


scoring_health = ScoringHealth()


def _phrase(name: str, value: float) -> str | None:
    if name == "drains_account":
        return "moves the entire balance" if value else None
    if name == "newbalanceOrig":
        return "moves the entire balance" if value <= 0 else None
    if name == "payee_empty":
        return "payee account is empty" if value else None
    if name == "oldbalanceDest":
        return "payee account is empty" if value == 0 else "unusual payee balance"
    if name == "amount":
        return "unusual amount"
    if name == "amount_to_balance":
        return "large share of the available balance"
    if name == "oldbalanceOrg":
        return "unusual balance before the payment"
    # errorBalanceOrig is always 0 for a bank (its books add up): no words would explain it.
    if name.startswith("type_"):
        return "payment type often used in fraud"
    return None


def explain(contributions: np.ndarray, row: np.ndarray) -> list[str]:
    """Top positive contributions (bias column excluded) as phrases, strongest first."""
    reasons: list[str] = []
    for i in np.argsort(-contributions[: len(FEATURES)]):
        if contributions[i] < MIN_CONTRIBUTION or len(reasons) == MAX_REASONS:
            break
        phrase = _phrase(FEATURES[i], float(row[i]))
        if phrase and phrase not in reasons:
            reasons.append(phrase)
    return reasons


def model_probability(model: LoadedModel, x: np.ndarray) -> float:
    return float(model.booster.inplace_predict(x, validate_features=False)[0])


def model_reasons(model: LoadedModel, x: np.ndarray) -> list[str]:
    """Exact TreeSHAP contributions of one row, in words. Costlier than the probability, so
    only computed for scores worth explaining (>= MEDIUM_FROM)."""
    matrix = xgb.DMatrix(x, nthread=1)
    contributions = model.booster.predict(matrix, pred_contribs=True, validate_features=False)[0]
    return explain(contributions, x[0])


def customer_reasons(verdict: PolicyDecision, model_phrases: list[str]) -> list[str]:
    """The policy's words; when the model's score is one of its signals, what the model saw
    ("moves the entire balance") says more than "looks like known fraud patterns"."""
    if not model_phrases or "model" not in {s.code for s in verdict.signals}:
        return verdict.customer_reasons
    generic = next(s.customer for s in verdict.signals if s.code == "model")
    rest = [r for r in verdict.customer_reasons if r != generic]
    return list(dict.fromkeys(model_phrases[:2] + rest))[:MAX_REASONS]


def fail_closed(context: TransferContext) -> FraudScore:
    hold = context.amount > settings.FRAUD_FAIL_OPEN_LIMIT
    return FraudScore(
        probability=None, risk_level="unknown", decision="hold" if hold else "allow",
        reasons=[MODEL_UNAVAILABLE_REASON] if hold else [], model_version=None, degraded=True,
        operator_reasons=[f"no usable fraud model: above the fail-open limit {format_rupees(settings.FRAUD_FAIL_OPEN_LIMIT)}"]
        if hold else [],
    )


def transaction_score(*, context: TransferContext) -> FraudScore:
    """Score a prospective transfer. Never raises for model trouble (fails closed instead)."""
    try:
        model = active_model()
    except ModelUnavailable:
        scoring_health.failed()
        return fail_closed(context)
    if model is None:
        return fail_closed(context)
    try:
        x = features_from_transfer(
            kind=context.kind, amount=context.amount, payer_available=context.payer_available,
            payee_balance=context.payee_balance, at=context.at,
        )
        probability = model_probability(model, x)
        if not math.isfinite(probability):
            raise ValueError("non-finite score")
        reasons = model_reasons(model, x) if probability >= MEDIUM_FROM else []
    except Exception as exc:  # noqa: BLE001 - any model failure must fail closed, never open
        scoring_health.failed()
        logger.error("fraud scoring failed with model %s (%s); failing closed", model.version, type(exc).__name__)
        return fail_closed(context)
    verdict = decide(probability, behaviour_for_transfer(context))
    operator = verdict.operator_reasons + ([f"model: {', '.join(reasons)}"] if reasons else [])
    return FraudScore(
        probability=verdict.risk,
        risk_level=risk_level(verdict.risk, verdict.decision),
        decision=verdict.decision,
        reasons=customer_reasons(verdict, reasons),
        model_version=model.version,
        model_probability=probability,
        rules=[signal.code for signal in verdict.signals],
        operator_reasons=operator,
    )


def model_health() -> tuple[str, str]:
    """Health check: degraded without a usable model or after recent scoring failures."""
    limit = format_rupees(settings.FRAUD_FAIL_OPEN_LIMIT)
    try:
        model = active_model()
    except ModelUnavailable:
        return "degraded", f"the active fraud model cannot be loaded: holding transfers above {limit}"
    except Exception:  # noqa: BLE001 - the database check reports database trouble
        logger.warning("fraud health: cannot read the model registry", exc_info=True)
        return "degraded", "the fraud model registry cannot be read"
    if model is None:
        return "degraded", f"no active fraud model: holding transfers above {limit} for review"
    failures = scoring_health.recent_failures()
    if failures:
        return "degraded", f"{failures} scoring failure(s) in the last {int(FAILURE_WINDOW_SECONDS // 60)} minutes"
    return "ok", f"model {model.version} loaded"


def scoring_state_reset() -> None:
    """Forget the loaded model and recent failures (tests; after deleting a model)."""
    active_models.reset()
    scoring_health.reset()
