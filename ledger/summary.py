"""Spending summary of the caller's own accounts over a rolling window (a selector: reads only).

    transaction_summary(user=..., period="month") -> Summary

Counts completed transactions only (held ones have moved nothing yet, declined ones never
will), dated by `created_at` in the bank's time zone (settings.TIME_ZONE), over the last 7, 30
or 365 local days including today. Money in and out are exact Decimals.

On PostgreSQL the whole summary is ONE statement: both directions are read by index-only scans
of the (payer_account | payee_account, created_at, status, kind, amount, other side) indexes
(migration ledger 0003), and GROUPING SETS aggregates totals, kinds, days and counterparties in
one pass over the rows (bench/summary.py, bench/results_summary.md: 100k transactions of one
customer). Other databases (SQLite in development) aggregate the same rows in Python; a
PostgreSQL test proves both give the same summary.

The closed days of the window come from the daily / monthly rollup (ledger.rollup: filled on
first read, exact), and only the days not yet closed (today, and yesterday for CLOSE_MARGIN
after midnight) are read from the transactions as above; `rollup=False` reads everything raw
(the reference the rollup is tested against).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from ledger import rollup as summary_rollup
from ledger.models import Account, Transaction
from ledger.selectors import mask_account_number
from securebank import sql

if TYPE_CHECKING:
    from accounts.models import User

PERIOD_DAYS = {"week": 7, "month": 30, "year": 365}
TOP_COUNTERPARTIES = 5
PRUNE_MARGIN_DAYS = 31  # rollup buckets are kept this long past the longest window
ZERO = Decimal("0.00")


@dataclass
class Flow:
    money_in: Decimal = ZERO
    money_out: Decimal = ZERO
    count_in: int = 0
    count_out: int = 0

    def add(self, *, outgoing: bool, count: int, amount: Decimal) -> None:
        if outgoing:
            self.money_out += amount
            self.count_out += count
        else:
            self.money_in += amount
            self.count_in += count

    @property
    def count(self) -> int:
        return self.count_in + self.count_out


@dataclass
class Summary:
    period: str
    start: date
    end: date
    total: Flow = field(default_factory=Flow)
    by_kind: dict[str, Flow] = field(default_factory=dict)
    daily: dict[date, Flow] = field(default_factory=dict)
    top_counterparties: list[dict[str, Any]] = field(default_factory=list)


def summary_window(*, period: str, now: datetime | None = None) -> tuple[date, date, datetime]:
    """(first local day, last local day, the aware instant the first day starts)."""
    today = summary_rollup.local_date(now or timezone.now())
    start = today - timedelta(days=PERIOD_DAYS[period] - 1)
    return start, today, summary_rollup.local_start(start)


def transaction_summary(
    *, user: User, period: str, now: datetime | None = None, portable: bool = False, rollup: bool = True,
) -> Summary:
    """The caller's summary. `portable` forces the database-independent paths (for the test
    that compares them); `rollup=False` sums every transaction of the window on the fly.

    Fills the rollup buckets the window needs and are missing (a write, on the first read of a
    day): see ledger.rollup."""
    now = now or timezone.now()
    start, end, since = summary_window(period=period, now=now)
    summary = Summary(period=period, start=start, end=end)
    summary.daily = {start + timedelta(days=i): Flow() for i in range((end - start).days + 1)}
    account_ids = list(Account.objects.filter(owner=user).values_list("pk", flat=True))
    if not account_ids:
        return summary
    rows: list[tuple] = []
    if rollup:
        plan = summary_rollup.plan_window(start=start, since=since, now=now)
        rolled = summary_rollup.rollup_rows(account_ids=account_ids, plan=plan, portable=portable)
        if rolled is not None:
            rows, since = rolled, plan.live_since
    rows += (
        _rows_grouping_sets(account_ids, since) if connection.vendor == "postgresql" and not portable
        else _rows_portable(account_ids, since)
    )
    counterparties: dict[int, Flow] = defaultdict(Flow)
    for grouping, outgoing, kind, day, other, count, amount in rows:
        if grouping == "total":
            summary.total.add(outgoing=outgoing, count=count, amount=amount)
        elif grouping == "kind":
            summary.by_kind.setdefault(kind, Flow()).add(outgoing=outgoing, count=count, amount=amount)
        elif grouping == "day":
            if day in summary.daily:  # a transaction stamped later than `now` is not in this window
                summary.daily[day].add(outgoing=outgoing, count=count, amount=amount)
        else:
            counterparties[other].add(outgoing=outgoing, count=count, amount=amount)
    summary.top_counterparties = _top(counterparties)
    return summary


def summary_rollup_prefill(*, active_within: timedelta = timedelta(days=2), every_account: bool = False,
                           now: datetime | None = None) -> tuple[int, int]:
    """Fill, ahead of any read, the rollup buckets that the week, month and year summaries will
    need as of `now`, for the customer accounts with a transaction in the last `active_within`
    (or for every customer account: a one-off backfill). Returns (accounts, buckets filled).

    Why: the first read of a busy customer's year fills up to a year of buckets (0.4-1 s at
    ~90k transactions, bench/results_summary.md), and the first read of each day fills the day
    before. A worker running this shortly after each local midnight leaves reads nothing to fill.
    Each account is filled in its own transaction, so a long backfill never holds the others."""
    now = now or timezone.now()
    accounts = Account.objects.filter(kind=Account.Kind.CUSTOMER)
    if not every_account:
        since = now - active_within
        accounts = accounts.filter(
            Q(pk__in=Transaction.objects.filter(created_at__gte=since).values("payer_account"))
            | Q(pk__in=Transaction.objects.filter(created_at__gte=since).values("payee_account"))
        )
    plans = []  # the same for every account
    for period in PERIOD_DAYS:
        start, _, since = summary_window(period=period, now=now)
        plan = summary_rollup.plan_window(start=start, since=since, now=now)
        if plan.first is not None:
            plans.append(plan)
    filled = 0
    account_ids = list(accounts.order_by("pk").values_list("pk", flat=True))
    for account_id in account_ids:
        for plan in plans:
            filled += summary_rollup.rollup_fill(account_ids=[account_id], plan=plan)
    return len(account_ids), filled


def summary_rollup_prune(*, now: datetime | None = None) -> int:
    """Drop the rollup's buckets that no window can read any more: older than the longest
    window plus a month of margin. Returns the lines deleted."""
    longest = max(PERIOD_DAYS, key=PERIOD_DAYS.__getitem__)
    start, _, _ = summary_window(period=longest, now=now)
    return summary_rollup.rollup_prune(before=start - timedelta(days=PRUNE_MARGIN_DAYS))


def _top(counterparties: dict[int, Flow]) -> list[dict[str, Any]]:
    """The TOP_COUNTERPARTIES accounts with the most money either way (ties: more payments,
    then account id, so the answer is stable), named as history names them."""
    ranked = sorted(counterparties.items(), key=lambda kv: (-(kv[1].money_in + kv[1].money_out), -kv[1].count, kv[0]))
    ranked = ranked[:TOP_COUNTERPARTIES]
    accounts = Account.objects.select_related("owner").in_bulk([account_id for account_id, _ in ranked])
    top = []
    for account_id, flow in ranked:
        account = accounts[account_id]
        owner = account.owner
        party = (
            {"name": "SecureBank", "vpa": None, "username": None, "account_number": None} if owner is None
            else {"name": owner.display_name, "vpa": owner.vpa, "username": owner.username,
                  "account_number": mask_account_number(account.number)}
        )
        top.append({**party, "flow": flow})
    return top


# One scan per direction (each an index-only scan of its covering index once the table is
# vacuumed), one aggregation pass with four grouping sets. GROUPING() tells the sets apart:
# bit 2 = kind, bit 1 = day, bit 0 = counterparty, set when the column is NOT grouped.
_GROUPING_SETS_SQL = """
WITH mine AS (
    SELECT TRUE AS outgoing, {kind}, {amount}, {payee_account} AS other,
           ({created_at} AT TIME ZONE %(tz)s)::date AS day
      FROM {table}
     WHERE {payer_account} = ANY(%(accounts)s) AND {created_at} >= %(since)s AND {status} = %(completed)s
    UNION ALL
    SELECT FALSE, {kind}, {amount}, {payer_account},
           ({created_at} AT TIME ZONE %(tz)s)::date
      FROM {table}
     WHERE {payee_account} = ANY(%(accounts)s) AND {created_at} >= %(since)s AND {status} = %(completed)s
)
SELECT GROUPING({kind}, day, other), outgoing, {kind}, day, other, COUNT(*), SUM({amount})
  FROM mine
 GROUP BY GROUPING SETS ((outgoing), (outgoing, {kind}), (outgoing, day), (outgoing, other))
"""
_SETS = {0b111: "total", 0b011: "kind", 0b101: "day", 0b110: "counterparty"}


def _rows_grouping_sets(account_ids: list[int], since: datetime) -> list[tuple]:
    # Only the column names come from the template (sql.model_sql quotes them); every value
    # is a bound parameter.
    query = sql.model_sql(Transaction, _GROUPING_SETS_SQL)
    params = {"tz": settings.TIME_ZONE, "accounts": account_ids, "since": since,
              "completed": Transaction.Status.COMPLETED}
    return [
        (_SETS[grouping], outgoing, kind, day, other, count, amount)
        for grouping, outgoing, kind, day, other, count, amount in sql.fetch_all(query, params)
    ]


def _rows_portable(account_ids: list[int], since: datetime) -> list[tuple]:
    """The same rows as the grouping-sets query, aggregated in Python (any database)."""
    mine = set(account_ids)
    totals: dict[tuple, list] = defaultdict(lambda: [0, ZERO])
    qs = Transaction.objects.filter(
        status=Transaction.Status.COMPLETED, created_at__gte=since,
    ).filter(Q(payer_account_id__in=account_ids) | Q(payee_account_id__in=account_ids)).values_list("payer_account_id", "payee_account_id", "kind", "amount", "created_at")
    for payer, payee, kind, amount, created_at in qs.iterator(chunk_size=2000):
        sides = [(True, payee)] if payer in mine else []
        if payee in mine:
            sides.append((False, payer))
        day = summary_rollup.local_date(created_at)
        for outgoing, other in sides:
            for key in (("total", outgoing, None, None, None), ("kind", outgoing, kind, None, None),
                        ("day", outgoing, None, day, None), ("counterparty", outgoing, None, None, other)):
                slot = totals[key]
                slot[0] += 1
                slot[1] += amount
    return [(*key, count, amount) for key, (count, amount) in totals.items()]

