"""The decision policy: allow, hold or decline, from the model's score and the customer's own
behaviour. One place, separate from the model; every threshold is a setting; docs/fraud.md has
the same table.

Principles:
- **decline only when independent strong signals agree**: the payee is new to this payer and at
  least FRAUD_DECLINE_MIN_STRONG strong signals fire (the model counts toward a decline only at
  FRAUD_BLOCK_THRESHOLD or above);
- **one strong signal alone holds** for an operator's review; so do FRAUD_HOLD_MIN_WEAK weak ones;
- otherwise **allow**.

The model was trained on PaySim, where every payee is new (fresh names per row), so its score is
evidence only about payments to payees this customer has not established: to a payee paid
FRAUD_ESTABLISHED_PAYEE_PAYMENTS times before it is not a signal (moving one's whole balance to
one's own regular payee is not fraud). "Moves the entire balance" is part of the model's score,
never a signal of its own, so it cannot decline alone.

Reasons come in two registers: for the customer (plain words, no figures of the model) and for
the operator (which signal, with the figures behind it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from fraud.behaviour import Behaviour
from ledger.risk import Decision
from securebank.money import format_rupees

POLICY_VERSION = "policy-2"  # bump when the table in docs/fraud.md changes
STRONG_RISK = 0.8  # ranking only (see `risk`): what a strong behaviour signal adds
WEAK_RISK = 0.25


@dataclass(frozen=True)
class Signal:
    code: str
    strong: bool
    customer: str
    operator: str


@dataclass(frozen=True)
class PolicyDecision:
    decision: Decision
    risk: float  # a ranking of the evidence (noisy-OR), for metrics and sorting; not the decision rule
    signals: list[Signal] = field(default_factory=list)

    @property
    def customer_reasons(self) -> list[str]:
        out: list[str] = []
        for s in sorted(self.signals, key=lambda s: not s.strong):
            if s.customer not in out:
                out.append(s.customer)
        return out[:3]

    @property
    def operator_reasons(self) -> list[str]:
        return [f"{'strong' if s.strong else 'weak'}: {s.operator}" for s in self.signals]


def policy_settings() -> dict[str, object]:
    """The policy's version and thresholds, recorded with every model evaluation."""
    names = (
        "FRAUD_THRESHOLD", "FRAUD_BLOCK_THRESHOLD", "FRAUD_DECLINE_MIN_STRONG", "FRAUD_HOLD_MIN_WEAK",
        "FRAUD_ESTABLISHED_PAYEE_PAYMENTS", "FRAUD_SIGNAL_MIN_AMOUNT", "FRAUD_MIN_HISTORY",
        "FRAUD_NEW_ACCOUNT_DAYS", "FRAUD_LARGE_SHARE", "FRAUD_UNUSUAL_AMOUNT_FACTOR",
        "FRAUD_VELOCITY_MIN_PAYMENTS", "FRAUD_VELOCITY_MIN_AMOUNT", "FRAUD_VELOCITY_BASELINE_FACTOR",
        "FRAUD_NEW_PAYEES_DAY", "FRAUD_MULE_NEW_PAYERS", "FRAUD_UNUSUAL_HOUR_SHARE",
    )
    return {"version": POLICY_VERSION, **{n: str(getattr(settings, n)) for n in names}}


def _money(value: Decimal | None) -> str:
    return "-" if value is None else format_rupees(value)


def signals_find(probability: float, b: Behaviour) -> list[Signal]:
    s = settings
    out: list[Signal] = []
    big = b.amount >= s.FRAUD_SIGNAL_MIN_AMOUNT
    share = b.share_of_balance
    large_share = share is not None and share >= s.FRAUD_LARGE_SHARE
    # Strong signals: each alone is worth an operator's look.
    if probability >= s.FRAUD_THRESHOLD and not b.payee_established:
        out.append(Signal("model", True, "this payment looks like known fraud patterns",
                          f"model score {probability:.3f} (hold at {s.FRAUD_THRESHOLD}, counts toward a decline at "
                          f"{s.FRAUD_BLOCK_THRESHOLD}); payee paid {b.payee_payments} time(s) before"))
    new_account = b.account_age_days is not None and b.account_age_days < s.FRAUD_NEW_ACCOUNT_DAYS
    if new_account and large_share and big and not b.payee_established:
        out.append(Signal("new_account_drain", True, "a new account sending most of its balance",
                          f"account opened {b.account_age_days:.1f} days ago sends {share:.0%} of its available balance"))
    unusual = (
        b.largest_recent is not None and b.history_count >= s.FRAUD_MIN_HISTORY
        and b.amount > b.largest_recent * s.FRAUD_UNUSUAL_AMOUNT_FACTOR
    )
    if unusual and large_share and big and not b.payee_established:
        out.append(Signal("unusual_drain", True, "much larger than your usual payments and most of your balance",
                          f"{_money(b.amount)} is over {s.FRAUD_UNUSUAL_AMOUNT_FACTOR}x the largest of the last "
                          f"{b.history_count} payments ({_money(b.largest_recent)}) and {share:.0%} of the balance"))
    baseline = max(s.FRAUD_VELOCITY_MIN_AMOUNT, (b.typical_amount or Decimal(0)) * s.FRAUD_VELOCITY_BASELINE_FACTOR)
    money_then = b.available + b.hour_total - b.amount  # what the customer had an hour ago, roughly
    if (b.hour_count >= s.FRAUD_VELOCITY_MIN_PAYMENTS and b.hour_total > baseline
            and money_then > 0 and b.hour_total >= money_then * Decimal("0.5")):
        out.append(Signal("velocity", True, "many payments in a short time emptying your balance",
                          f"{b.hour_count} payments totalling {_money(b.hour_total)} in the last hour, over the "
                          f"customer's baseline {_money(baseline)} and half of the money held an hour ago"))
    day_money = b.available + b.new_payees_day_total - b.amount
    if (b.new_payees_day >= s.FRAUD_NEW_PAYEES_DAY and big and day_money > 0
            and b.new_payees_day_total >= day_money * Decimal("0.5")):
        out.append(Signal("new_payees_drain", True, "money going to several new payees at once",
                          f"{b.new_payees_day} new payees in the last 24 h received {_money(b.new_payees_day_total)}, "
                          "over half of the balance"))
    if b.pass_through and b.payee_is_new:
        out.append(Signal("pass_through", True, "passes on money that has only just arrived",
                          "sends on money received in the last hour, with little of the account's own"))
    if b.payee_is_new and b.payee_new_payers_day >= s.FRAUD_MULE_NEW_PAYERS:
        out.append(Signal("mule_payee", True, "the payee has received money from many new senders",
                          f"payee was paid by {b.payee_new_payers_day} first-time payers in the last 24 h"))
    # Weak signals: context; several together hold.
    if b.payee_is_new and big:
        out.append(Signal("new_payee", False, "first payment to this payee", "first payment to this payee"))
    if unusual and big and not any(x.code == "unusual_drain" for x in out):
        out.append(Signal("unusual_amount", False, "larger than your usual payments",
                          f"over {s.FRAUD_UNUSUAL_AMOUNT_FACTOR}x the largest of the last {b.history_count} payments"))
    if large_share and big and not b.payee_established:
        out.append(Signal("large_share", False, "most of your available balance",
                          f"{share:.0%} of the available balance"))
    if b.hour_habit_share is not None and b.hour_habit_share < s.FRAUD_UNUSUAL_HOUR_SHARE and big:
        out.append(Signal("unusual_hour", False, "at a time you do not usually pay",
                          f"{b.hour_habit_share:.0%} of the last {b.history_count} payments were within an hour of this time"))
    if new_account and big and not any(x.code == "new_account_drain" for x in out):
        out.append(Signal("new_account", False, "a new account", f"account opened {b.account_age_days:.1f} days ago"))
    return out


def decide(probability: float, behaviour: Behaviour) -> PolicyDecision:
    s = settings
    signals = signals_find(probability, behaviour)
    strong = [x for x in signals if x.strong]
    weak = [x for x in signals if not x.strong]
    toward_decline = [x for x in strong if x.code != "model" or probability >= s.FRAUD_BLOCK_THRESHOLD]
    if behaviour.payee_is_new and len(toward_decline) >= s.FRAUD_DECLINE_MIN_STRONG:
        decision: Decision = "decline"
    elif strong or len(weak) >= s.FRAUD_HOLD_MIN_WEAK:
        decision = "hold"
    else:
        decision = "allow"
    keep = 1.0 - (probability if not behaviour.payee_established else 0.0)
    for x in signals:
        if x.code != "model":
            keep *= 1.0 - (STRONG_RISK if x.strong else WEAK_RISK)
    return PolicyDecision(decision=decision, risk=round(1.0 - keep, 6), signals=signals)
