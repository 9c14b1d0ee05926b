"""Rules beside the model: what PaySim cannot teach.

PaySim gives every row fresh account names, so a model trained on it cannot learn anything about
a payer's history. Two rules look at the ledger's own records instead (read-only, with the
payer's account locked by the transfer, so the history cannot change under them):

- velocity: the payer's outgoing customer transfers (completed or held) in the last hour and
  the last 24 hours. It fires when this transfer would be the (N+1)th in an hour
  (FRAUD_VELOCITY_HOUR_COUNT) or in a day (FRAUD_VELOCITY_DAY_COUNT), or would take the
  total past FRAUD_VELOCITY_HOUR_AMOUNT in an hour or FRAUD_VELOCITY_DAY_AMOUNT in a day:
  an account taken over is emptied fast. Risk FRAUD_VELOCITY_RISK (0.7: enough to hold).
- first payment to this payee: the payer has never completed a transfer to this account and the
  amount is at least FRAUD_FIRST_PAYEE_MIN_AMOUNT: a mule is by definition a new payee.
  Risk FRAUD_FIRST_PAYEE_RISK (0.3: not enough to hold alone; it tips a doubtful score).

Each fired rule is treated as an independent piece of evidence and combined with the model's
probability p as a noisy-OR: risk = 1 - (1 - p) * prod(1 - rule_risk). A rule can only raise
the risk, and adds its reason in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from fraud import selectors
from ledger.risk import TransferContext


@dataclass(frozen=True)
class RuleHit:
    code: str
    risk: float
    reason: str


def velocity_check(context: TransferContext) -> RuleHit | None:
    hour_limit, day_limit = settings.FRAUD_VELOCITY_HOUR_COUNT, settings.FRAUD_VELOCITY_DAY_COUNT
    stats = selectors.outgoing_velocity(
        payer_account_id=context.payer_account_id,
        hour_since=context.at - timedelta(hours=1),
        day_since=context.at - timedelta(days=1),
        limit=max(hour_limit, day_limit),
    )
    breaches = []
    if stats.hour_count + 1 > hour_limit:
        breaches.append(f"{stats.hour_count + 1} payments in the last hour")
    elif stats.day_capped:
        breaches.append(f"more than {day_limit} payments in the last 24 hours")
    elif stats.day_count + 1 > day_limit:
        breaches.append(f"{stats.day_count + 1} payments in the last 24 hours")
    if stats.hour_amount + context.amount > settings.FRAUD_VELOCITY_HOUR_AMOUNT:
        breaches.append("unusually much sent in the last hour")
    elif not stats.day_capped and stats.day_amount + context.amount > settings.FRAUD_VELOCITY_DAY_AMOUNT:
        breaches.append("unusually much sent in the last 24 hours")
    if not breaches:
        return None
    return RuleHit(code="velocity", risk=settings.FRAUD_VELOCITY_RISK, reason="; ".join(breaches))


def first_payee_check(context: TransferContext) -> RuleHit | None:
    if context.amount < settings.FRAUD_FIRST_PAYEE_MIN_AMOUNT:
        return None
    if selectors.has_paid_before(payer_account_id=context.payer_account_id, payee_account_id=context.payee_account_id):
        return None
    return RuleHit(code="first_payee", risk=settings.FRAUD_FIRST_PAYEE_RISK, reason="first payment to this payee")


RULES = (velocity_check, first_payee_check)


def rules_evaluate(context: TransferContext) -> list[RuleHit]:
    return [hit for rule in RULES if (hit := rule(context)) is not None]


def combine(probability: float, hits: list[RuleHit]) -> float:
    """Noisy-OR of the model's probability and the fired rules' risks."""
    keep = 1.0 - probability
    for hit in hits:
        keep *= 1.0 - hit.risk
    return 1.0 - keep

