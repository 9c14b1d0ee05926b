"""The customer's own behaviour, computed online from the ledger: what PaySim cannot teach.

PaySim gives every row fresh names, so a model trained on it knows nothing of a customer's
habits. These features do, and they are computed the same way wherever a decision is made:

- serving: `customer_history(context)` reads the ledger through `ledger.selectors` (the payer's
  last HISTORY_SIZE payments, and only when they can matter the payee's history, the money that
  came in during the last hour and the payee's new payers of the last day), then the pure
  `behaviour_compute(...)` turns them into a `Behaviour`;
- the scenario suite (`fraud.scenarios`) builds the same `History` from a written-down customer
  history and calls the same `behaviour_compute`;
- evaluation on PaySim (`behaviour_from_paysim`) fills a `History` with what a PaySim row can
  tell: nothing of the past (fresh names per row), so no history and every payee new.

Every figure is about this payer, this payee and this moment: none uses the server's clock as a
habit (the hour is compared with the customer's own payment hours).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd
from django.conf import settings

from fraud.features import BANK_TIME_ZONE, local_hour
from ledger.risk import TransferContext
from ledger.selectors import customer_decision_reads, customer_payments_to_payee, payee_new_payers_since

HISTORY_SIZE = 30  # the payer's last payments read per decision: enough for a percentile and habits
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Payment:
    amount: Decimal
    payee_account_id: int
    at: datetime


@dataclass(frozen=True)
class History:
    """What the ledger knows before this payment (read under the transfer's locks)."""

    opened_at: datetime | None  # the payer's account; None: unknown (PaySim)
    payee_opened_at: datetime | None
    recent: tuple[Payment, ...]  # the payer's last payments, newest first, at most HISTORY_SIZE
    complete: bool  # `recent` is the payer's whole history
    payee_payments: int  # earlier payments from this payer to this payee (counted up to a cap)
    incoming_last_hour: Decimal  # customer payments received in the last hour
    payee_new_payers_day: int  # payers who paid this payee for the first time in the last day


@dataclass(frozen=True)
class Behaviour:
    amount: Decimal
    available: Decimal
    account_age_days: float | None
    payee_account_age_days: float | None
    payee_payments: int
    history_count: int
    amount_percentile: float | None  # share of the last payments smaller than this one
    largest_recent: Decimal | None
    typical_amount: Decimal | None  # 90th percentile of the last payments
    share_of_balance: float | None  # amount / available balance (None: nothing available)
    hour_count: int  # payments in the last hour, this one included
    hour_total: Decimal  # their total, this one included
    hour_habit_share: float | None  # share of past payments within an hour of this local hour
    new_payees_day: int  # first-time payees in the last 24 h, this one included when new
    new_payees_day_total: Decimal
    pass_through: bool  # passes on money that came in during the last hour and little else
    payee_new_payers_day: int

    @property
    def payee_is_new(self) -> bool:
        return self.payee_payments == 0

    @property
    def payee_established(self) -> bool:
        return self.payee_payments >= settings.FRAUD_ESTABLISHED_PAYEE_PAYMENTS


def _days(later: datetime, earlier: datetime | None) -> float | None:
    return None if earlier is None else max((later - earlier).total_seconds(), 0.0) / 86400.0


def _hour_distance(a: int, b: int) -> int:
    d = abs(a - b) % 24
    return min(d, 24 - d)


def behaviour_compute(
    *, amount: Decimal, available: Decimal, payee_account_id: int, at: datetime, history: History
) -> Behaviour:
    """Pure: the same function for serving, scenarios and PaySim evaluation."""
    recent = history.recent
    amounts = [p.amount for p in recent]
    enough = len(recent) >= settings.FRAUD_MIN_HISTORY
    hour_ago, day_ago = at - timedelta(hours=1), at - timedelta(days=1)
    in_hour = [p.amount for p in recent if p.at >= hour_ago]
    # A payee is new "today" when its first payment within the window read is in the last day.
    first_seen: dict[int, datetime] = {}
    for p in recent:  # newest first: the last write is the earliest payment
        first_seen[p.payee_account_id] = p.at
    # (With a full window of HISTORY_SIZE payments in under a day, "new" means new within it.)
    new_today = {pid for pid, first in first_seen.items() if first >= day_ago}
    new_today_total = sum((p.amount for p in recent if p.payee_account_id in new_today and p.at >= day_ago), ZERO)
    if history.payee_payments == 0:
        new_today = new_today | {payee_account_id}
        new_today_total += amount
    here = local_hour(at)
    return Behaviour(
        amount=amount,
        available=available,
        account_age_days=_days(at, history.opened_at),
        payee_account_age_days=_days(at, history.payee_opened_at),
        payee_payments=history.payee_payments,
        history_count=len(recent),
        amount_percentile=(sum(1 for a in amounts if a < amount) / len(amounts)) if enough else None,
        largest_recent=max(amounts) if amounts else None,
        typical_amount=sorted(amounts)[(len(amounts) - 1) * 9 // 10] if enough else None,  # ~90th percentile
        share_of_balance=float(amount / available) if available > 0 else None,
        hour_count=len(in_hour) + 1,
        hour_total=sum(in_hour, ZERO) + amount,
        hour_habit_share=(
            sum(1 for p in recent if _hour_distance(local_hour(p.at), here) <= 1) / len(recent) if enough else None
        ),
        new_payees_day=len(new_today),
        new_payees_day_total=new_today_total,
        pass_through=(
            amount >= settings.FRAUD_SIGNAL_MIN_AMOUNT
            and history.incoming_last_hour >= amount * Decimal("0.9")
            and available - history.incoming_last_hour < amount * Decimal("0.1")
        ),
        payee_new_payers_day=history.payee_new_payers_day,
    )


def customer_history(context: TransferContext) -> History:
    """The ledger reads behind one decision: one statement always (the payer's last payments,
    what came in during the last hour, both accounts' opening dates), more only when they can
    change the decision (a payee beyond the window; a new payee's other payers)."""
    reads = customer_decision_reads(
        account_id=context.payer_account_id, payee_account_id=context.payee_account_id, limit=HISTORY_SIZE,
        incoming_since=context.at - timedelta(hours=1),
    )
    recent = tuple(Payment(amount=a, payee_account_id=pid, at=at) for a, pid, at in reads.recent_outgoing)
    complete = len(recent) < HISTORY_SIZE
    cap = settings.FRAUD_ESTABLISHED_PAYEE_PAYMENTS
    payee_payments = sum(1 for p in recent if p.payee_account_id == context.payee_account_id)
    if not complete and payee_payments < cap:
        payee_payments = customer_payments_to_payee(
            account_id=context.payer_account_id, payee_account_id=context.payee_account_id, cap=cap
        )
    opened = reads.opened_at
    worth_more = context.amount >= settings.FRAUD_SIGNAL_MIN_AMOUNT
    incoming = reads.incoming_total if worth_more else ZERO
    new_payers = 0
    if worth_more and payee_payments == 0:
        new_payers = _payee_new_payers_day(context)
    return History(
        opened_at=opened.get(context.payer_account_id), payee_opened_at=opened.get(context.payee_account_id),
        recent=recent, complete=complete, payee_payments=payee_payments, incoming_last_hour=incoming,
        payee_new_payers_day=new_payers,
    )


def _payee_new_payers_day(context: TransferContext) -> int:
    """Payers (other than this one) whose first payment to this payee is in the last day: a
    mule collects from many people who never paid it before."""
    payers = payee_new_payers_since(account_id=context.payee_account_id, since=context.at - timedelta(days=1))
    payers.discard(context.payer_account_id)
    return len(payers)


def behaviour_for_transfer(context: TransferContext) -> Behaviour:
    return behaviour_compute(
        amount=context.amount, available=context.payer_available, payee_account_id=context.payee_account_id,
        at=context.at, history=customer_history(context),
    )


# PaySim: what a row can tell. Steps are hours; a row's time is its step (hour of a first day).
PAYSIM_EPOCH = datetime(2026, 1, 1, tzinfo=BANK_TIME_ZONE)


def behaviour_from_paysim(df: pd.DataFrame) -> Iterator[Behaviour]:
    """One Behaviour per PaySim row: no history (fresh names per row), every payee new, the
    account's age unknown, nothing known to have come in, available = the logged balance."""
    amounts, balances, steps = df["amount"].to_numpy(), df["oldbalanceOrg"].to_numpy(), df["step"].to_numpy()
    for i in range(len(df)):
        yield behaviour_compute(
            amount=Decimal(f"{amounts[i]:.2f}"),
            available=Decimal(f"{float(balances[i]):.2f}"),
            payee_account_id=-1,
            at=PAYSIM_EPOCH + timedelta(hours=int(steps[i])),
            history=History(opened_at=None, payee_opened_at=None, recent=(), complete=True, payee_payments=0,
                            incoming_last_hour=ZERO, payee_new_payers_day=0),
        )
