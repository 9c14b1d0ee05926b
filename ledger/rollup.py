"""The spending summary's rollup: per account, the completed transactions of each closed local
day and of each closed local month, summed (models SummaryRollup / SummaryRollupLine).

Why: a year's summary of a busy customer sums ~90,000 transactions on the fly (262 ms at p95,
bench/results_summary.md). With the rollup it reads the buckets of the closed days and months
and only the live transactions of the days not yet closed (ledger.summary).

What a bucket holds, per account (count and sum, per direction and):
- `day`: per kind, for one closed day -- totals, by kind and the daily series of every window;
- `month_party`: per counterparty, for one closed month wholly inside the window;
- `day_party`: per counterparty, for one closed day of the window outside those months (its
  two ends: at most ~61 days for a year, every closed day for a week or a month).
The top counterparties need exact sums for every counterparty, and counterparty rows per day
barely shrink the read for a customer who pays the same people all the time (bench: ~180
counterparty lines per busy day against ~250 transactions), so whole months are read from
month buckets.
The lines are exactly what the raw summary sums: completed transactions, dated by created_at in
the bank's time zone, one side per account of the caller's (a transfer between two of one's own
accounts counts on both sides, as in the raw query).

Buckets are filled lazily, by the summary read that first needs them (no work on the money
path), in one statement on PostgreSQL. Two first reads fill a bucket once: its marker row is
unique (account, span, start), inserted ON CONFLICT DO NOTHING, and lines are written only for
the markers the statement itself inserted.

When a bucket's transactions can change after its days ended, and why it stays exact:
- A transaction commits a little after its created_at (read from the ledger clock inside the
  transaction). A day is rolled up only CLOSE_MARGIN after it ended -- far longer than any
  ledger transaction runs -- so every transaction stamped in it has committed.
- A held transaction counts once hold_complete completes it, under the day it was CREATED;
  a completed one stops counting once transfer_reverse marks it reversed (the reversal is a new
  transaction, dated now). Both send `transaction_posted` inside their database transaction,
  and `rollup_forget_changed` (its receiver) deletes the buckets of that day and month for both
  accounts there, so they commit or roll back together; the next read fills them again. On
  PostgreSQL fills and deletes take a per-account advisory lock (reads take it shared): a
  delete waits for a fill or read in progress (then deletes what it wrote), a fill waits for
  a pending delete's commit, so it reads the changed status, and a read never counts a bucket
  that is deleted before it reads its lines.
- A released hold is declined: it never counted, nothing changes.
For an ordinary transfer the receiver costs a few comparisons and no query (its created_at
and completed_at are one reading of the clock). Anything else that rewrites past transactions (a data fix in
SQL, a backdated import) must call `rollup_forget` for the accounts and days it touched.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ledger.models import SummaryRollup, SummaryRollupLine, Transaction
from securebank import clock, sql

# A day is rolled up once it ended this long ago: every transaction stamped in it has committed.
CLOSE_MARGIN = timedelta(minutes=15)
DAY, DAY_PARTY, MONTH_PARTY = (str(span) for span in SummaryRollup.Span)
ZERO = Decimal("0.00")
_LOCK_SPACE = 0x53554D  # first key of pg_advisory_xact_lock(int, int): this module's locks


def _zone() -> ZoneInfo:
    return _zone_named(settings.TIME_ZONE)


@lru_cache(maxsize=4)
def _zone_named(name: str) -> ZoneInfo:  # the portable fill asks once per transaction
    return ZoneInfo(name)


def local_date(moment: datetime) -> date:
    return timezone.localtime(moment, _zone()).date()


def local_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_zone())


def _next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Plan:
    """How a window [start, today] is read: `day` buckets for [first, last] (None when no day of
    the window is closed yet), `month_party` buckets for `months` (first days of the closed
    months wholly inside), `day_party` buckets for `party_days` (the other closed days), and
    the transactions themselves from `live_since` on."""

    first: date | None
    last: date | None
    months: tuple[date, ...]
    party_days: tuple[date, ...]
    live_since: datetime


def plan_window(*, start: date, since: datetime, now: datetime) -> Plan:
    last = local_date(now - CLOSE_MARGIN) - timedelta(days=1)  # the last closed day
    if last < start:
        return Plan(first=None, last=None, months=(), party_days=(), live_since=since)
    months = []
    month = start if start.day == 1 else _next_month(start.replace(day=1))
    while _next_month(month) - timedelta(days=1) <= last:
        months.append(month)
        month = _next_month(month)
    days = [start + timedelta(days=i) for i in range((last - start).days + 1)]
    party_days = tuple(d for d in days if d.replace(day=1) not in months)
    return Plan(first=start, last=last, months=tuple(months), party_days=party_days,
                live_since=local_start(last + timedelta(days=1)))


# --- Reading -------------------------------------------------------------------------------------

def rollup_rows(*, account_ids: list[int], plan: Plan, portable: bool = False) -> list[tuple] | None:
    """The plan's closed days as summary rows (grouping, outgoing, kind, day, other, count,
    amount), the shape ledger.summary merges; fills the buckets that are missing first. None
    if buckets kept being dropped while this read filled them (the caller then reads raw).
    Call it outside a transaction, as the view does: inside one, the shared lock taken here
    is held on into the fill's exclusive one, and two such callers would deadlock."""
    if plan.first is None:
        return []
    wanted = len(_wanted(account_ids, plan))
    for _ in range(3):
        with transaction.atomic():
            # Shared: reads run side by side, a fill or a drop waits for them and they for its
            # commit, so the buckets counted here are the buckets read (on SQLite the
            # transaction's snapshot does the same).
            _lock(account_ids, shared=True)
            if _existing(account_ids, plan).count() == wanted:
                if connection.vendor == "postgresql" and not portable:
                    return _read_sql(account_ids, plan)
                return _read_portable(account_ids, plan)
        rollup_fill(account_ids=account_ids, plan=plan, portable=portable)
    return None


# Three index-only scans of one account's lines: the `day` lines of the closed days, aggregated
# by grouping sets into totals, kinds and days (GROUPING(): bit 1 = kind not grouped, bit 0 =
# day not grouped), and the `day_party` and `month_party` lines, summed per counterparty.
_READ_SQL = """
SELECT GROUPING({kind}, {start}), {outgoing}, {kind}, {start}, NULL::bigint, SUM({transactions}), SUM({amount})
  FROM {table}
 WHERE {account} = ANY(%(accounts)s) AND {span} = 'day' AND {start} >= %(first)s AND {start} <= %(last)s
 GROUP BY GROUPING SETS (({outgoing}), ({outgoing}, {kind}), ({outgoing}, {start}))
UNION ALL
SELECT -1, {outgoing}, NULL, NULL, {counterparty}, SUM({transactions}), SUM({amount})
  FROM (SELECT {outgoing}, {counterparty}, {transactions}, {amount} FROM {table}
         WHERE {account} = ANY(%(accounts)s) AND {span} = 'day_party' AND {start} = ANY(%(party_days)s)
        UNION ALL
        SELECT {outgoing}, {counterparty}, {transactions}, {amount} FROM {table}
         WHERE {account} = ANY(%(accounts)s) AND {span} = 'month_party' AND {start} = ANY(%(months)s)) AS parties
 GROUP BY {outgoing}, {counterparty}
"""
_READ_SETS = {3: "total", 1: "kind", 2: "day", -1: "counterparty"}


def _read_params(account_ids: list[int], plan: Plan) -> dict[str, Any]:
    return {"accounts": account_ids, "first": plan.first, "last": plan.last, "months": list(plan.months),
            "party_days": list(plan.party_days)}


def _read_sql(account_ids: list[int], plan: Plan) -> list[tuple]:
    return [
        (_READ_SETS[grouping], outgoing, kind, day, other, count, amount)
        for grouping, outgoing, kind, day, other, count, amount
        in sql.fetch_all(sql.model_sql(SummaryRollupLine, _READ_SQL), _read_params(account_ids, plan))
    ]


def _plan_q(plan: Plan) -> Q:
    """The plan's buckets, on markers and lines alike."""
    return (Q(span=DAY, start__gte=plan.first, start__lte=plan.last) | Q(span=DAY_PARTY, start__in=plan.party_days)
            | Q(span=MONTH_PARTY, start__in=plan.months))


def _read_portable(account_ids: list[int], plan: Plan) -> list[tuple]:
    lines = SummaryRollupLine.objects.filter(_plan_q(plan), account_id__in=account_ids).values_list("span", "start", "outgoing", "kind", "counterparty_id", "transactions", "amount")
    totals: dict[tuple, list] = defaultdict(lambda: [0, ZERO])
    for span, start, outgoing, kind, other, count, amount in lines:
        keys = (
            [("total", outgoing, None, None, None), ("kind", outgoing, kind, None, None), ("day", outgoing, None, start, None)]
            if span == DAY else [("counterparty", outgoing, None, None, other)]
        )
        for key in keys:
            totals[key][0] += count
            totals[key][1] += amount
    return [(*key, count, amount) for key, (count, amount) in totals.items()]


# --- Filling -------------------------------------------------------------------------------------

def _wanted(account_ids: list[int], plan: Plan) -> set[tuple[int, str, date]]:
    days = [plan.first + timedelta(days=i) for i in range((plan.last - plan.first).days + 1)]
    return ({(a, DAY, d) for a in account_ids for d in days} | {(a, DAY_PARTY, d) for a in account_ids for d in plan.party_days}
            | {(a, MONTH_PARTY, m) for a in account_ids for m in plan.months})


def _existing(account_ids: list[int], plan: Plan) -> Any:
    return SummaryRollup.objects.filter(_plan_q(plan), account_id__in=account_ids)


def rollup_fill(*, account_ids: list[int], plan: Plan, portable: bool = False) -> int:
    """Fill the plan's missing buckets; returns how many this call filled. Cheap when none is
    missing (one count); safe to run concurrently (see the module docstring)."""
    wanted = _wanted(account_ids, plan)
    if _existing(account_ids, plan).count() == len(wanted):
        return 0
    with transaction.atomic():
        _lock(account_ids)
        missing = wanted - set(_existing(account_ids, plan).values_list("account_id", "span", "start"))
        if not missing:
            return 0
        if connection.vendor == "postgresql" and not portable:
            return _fill_sql(account_ids, missing)
        return _fill_portable(account_ids, missing)


def _lock(account_ids: list[int], *, shared: bool = False) -> None:
    """PostgreSQL: the per-account lock that orders fills and drops (exclusive) against each
    other and against reads (shared), held to the commit and taken in account order. Other
    databases serialise writers themselves."""
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        for account_id in sorted(set(account_ids)):
            cursor.execute(f"SELECT {function}(%s, %s)", [_LOCK_SPACE, account_id % 2**31])


def _bounds(missing: set[tuple[int, str, date]]) -> tuple[datetime, datetime]:
    first = min(start for _, _, start in missing)
    last = max(_next_month(start) - timedelta(days=1) if span == MONTH_PARTY else start for _, span, start in missing)
    return local_start(first), local_start(last + timedelta(days=1))


@lru_cache(maxsize=4)
def _names(vendor: str) -> dict[str, str]:
    quote = connection.ops.quote_name
    names = {}
    for prefix, model in (("t", Transaction), ("r", SummaryRollup), ("l", SummaryRollupLine)):
        names[f"{prefix}_table"] = quote(model._meta.db_table)
        names.update({f"{prefix}_{f.name}": quote(f.column) for f in model._meta.concrete_fields})
    return names


# One statement: insert the missing markers (those another fill inserted first come back from
# RETURNING as nothing), sum the accounts' completed transactions over the missing days by
# grouping sets (day x kind, day x counterparty, month x counterparty), and write the lines of
# the markers this statement inserted.
_FILL_SQL = """
WITH wanted AS (
    SELECT * FROM unnest(%(w_accounts)s::bigint[], %(w_spans)s::text[], %(w_starts)s::date[]) AS w(account_id, span, start)
), new AS (
    INSERT INTO {r_table} ({r_account}, {r_span}, {r_start}, {r_filled_at})
    SELECT account_id, span, start, %(now)s FROM wanted ORDER BY account_id, span, start
    ON CONFLICT ({r_account}, {r_span}, {r_start}) DO NOTHING
    RETURNING {r_account} AS account_id, {r_span} AS span, {r_start} AS start
), mine AS (
    SELECT {t_payer_account} AS account_id, TRUE AS outgoing, {t_kind} AS kind, {t_amount} AS amount,
           {t_payee_account} AS other, ({t_created_at} AT TIME ZONE %(tz)s)::date AS day
      FROM {t_table}
     WHERE {t_payer_account} = ANY(%(accounts)s) AND {t_created_at} >= %(since)s AND {t_created_at} < %(until)s
       AND {t_status} = %(completed)s
    UNION ALL
    SELECT {t_payee_account}, FALSE, {t_kind}, {t_amount}, {t_payer_account}, ({t_created_at} AT TIME ZONE %(tz)s)::date
      FROM {t_table}
     WHERE {t_payee_account} = ANY(%(accounts)s) AND {t_created_at} >= %(since)s AND {t_created_at} < %(until)s
       AND {t_status} = %(completed)s
), sums AS (
    SELECT account_id, outgoing, kind, other, day, month, COUNT(*) AS n, SUM(amount) AS total
      FROM (SELECT *, date_trunc('month', day)::date AS month FROM mine) AS dated
     GROUP BY GROUPING SETS ((account_id, outgoing, day, kind), (account_id, outgoing, day, other),
                             (account_id, outgoing, month, other))
)
INSERT INTO {l_table} ({l_account}, {l_span}, {l_start}, {l_outgoing}, {l_kind}, {l_counterparty}, {l_transactions}, {l_amount})
SELECT s.account_id, new.span, new.start, s.outgoing, s.kind, NULL, s.n, s.total
  FROM sums AS s JOIN new ON new.account_id = s.account_id AND new.span = 'day' AND new.start = s.day
 WHERE s.kind IS NOT NULL
UNION ALL
SELECT s.account_id, new.span, new.start, s.outgoing, '', s.other, s.n, s.total
  FROM sums AS s JOIN new ON new.account_id = s.account_id AND new.span = 'day_party' AND new.start = s.day
 WHERE s.other IS NOT NULL AND s.day IS NOT NULL
UNION ALL
SELECT s.account_id, new.span, new.start, s.outgoing, '', s.other, s.n, s.total
  FROM sums AS s JOIN new ON new.account_id = s.account_id AND new.span = 'month_party' AND new.start = s.month
 WHERE s.month IS NOT NULL
"""


def _fill_sql(account_ids: list[int], missing: set[tuple[int, str, date]]) -> int:
    since, until = _bounds(missing)
    ordered = sorted(missing)
    params = {
        "w_accounts": [a for a, _, _ in ordered], "w_spans": [s for _, s, _ in ordered], "w_starts": [d for _, _, d in ordered],
        "now": clock.now(), "tz": settings.TIME_ZONE, "accounts": account_ids, "since": since, "until": until,
        "completed": Transaction.Status.COMPLETED,
    }
    sql.execute(_FILL_SQL.format(**_names(connection.vendor)), params)
    return len(missing)


def _fill_portable(account_ids: list[int], missing: set[tuple[int, str, date]]) -> int:
    """The same buckets as _fill_sql, summed in Python (any database)."""
    since, until = _bounds(missing)
    mine = set(account_ids)
    sums: dict[tuple, list] = defaultdict(lambda: [0, ZERO])
    rows = Transaction.objects.filter(
        status=Transaction.Status.COMPLETED, created_at__gte=since, created_at__lt=until,
    ).filter(Q(payer_account_id__in=account_ids) | Q(payee_account_id__in=account_ids)).values_list(
        "payer_account_id", "payee_account_id", "kind", "amount", "created_at")
    for payer, payee, kind, amount, created_at in rows.iterator(chunk_size=2000):
        day = local_date(created_at)
        month = day.replace(day=1)
        sides = [(payer, True, payee)] if payer in mine else []
        if payee in mine:
            sides.append((payee, False, payer))
        for account, outgoing, other in sides:
            keys = []
            if (account, DAY, day) in missing:
                keys.append((account, DAY, day, outgoing, kind, None))
            if (account, DAY_PARTY, day) in missing:
                keys.append((account, DAY_PARTY, day, outgoing, "", other))
            if (account, MONTH_PARTY, month) in missing:
                keys.append((account, MONTH_PARTY, month, outgoing, "", other))
            for key in keys:
                sums[key][0] += 1
                sums[key][1] += amount
    insert = sql.model_sql(SummaryRollup, "INSERT INTO {table} ({account}, {span}, {start}, {filled_at}) "
                                          "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING {id}")
    now = sql.prep(SummaryRollup, "filled_at", clock.now())
    filled = {key for key in sorted(missing)
              if sql.fetch_one(insert, [key[0], key[1], sql.prep(SummaryRollup, "start", key[2]), now]) is not None}
    SummaryRollupLine.objects.bulk_create(
        [SummaryRollupLine(account_id=a, span=span, start=start, outgoing=outgoing, kind=kind, counterparty_id=other,
                           transactions=count, amount=amount)
         for (a, span, start, outgoing, kind, other), (count, amount) in sums.items() if (a, span, start) in filled],
        batch_size=1000,
    )
    return len(filled)


# --- Forgetting ----------------------------------------------------------------------------------

def rollup_prune(*, before: date) -> int:
    """Delete the buckets (markers and lines) of days and months starting before `before`;
    returns the lines deleted. No summary reaches them once `before` is older than the longest
    window (a year) -- the caller keeps a margin -- so no read or fill can race this: a window
    only ever asks for buckets inside itself."""
    lines, _ = SummaryRollupLine.objects.filter(start__lt=before).delete()
    SummaryRollup.objects.filter(start__lt=before).delete()
    return lines


def rollup_forget(*, account_ids: list[int], day: date) -> None:
    """Delete the buckets holding `day` (its day's and its month's) of these accounts; the next read
    fills them again. Call inside the transaction that changed the day's transactions."""
    with transaction.atomic():
        _lock(account_ids)
        where = Q(span__in=(DAY, DAY_PARTY), start=day) | Q(span=MONTH_PARTY, start=day.replace(day=1))
        SummaryRollup.objects.filter(where, account_id__in=account_ids).delete()
        SummaryRollupLine.objects.filter(where, account_id__in=account_ids).delete()


def rollup_forget_changed(sender: Any, *, transaction: Transaction, event: str, **kwargs: Any) -> None:
    """`transaction_posted` receiver: a transaction that changes what a past day counts (a hold
    completed after its day ended, a reversal of a past day's transaction) drops that day's
    buckets, in the money's own database transaction."""
    if event != "completed":
        return
    if transaction.reversal_of_id is not None:
        changed = transaction.reversal_of.created_at  # the original stops counting, under its own day
    elif transaction.completed_at == transaction.created_at:
        return  # completed as posted: dated now, in a day no bucket holds yet
    else:
        changed = transaction.created_at  # a hold completed: it counts from now on, under its day
    day = local_date(changed)
    if day >= local_date(clock.now()):
        return  # its day has not ended: no bucket holds it (a day is filled CLOSE_MARGIN after it ends)
    rollup_forget(account_ids=[transaction.payer_account_id, transaction.payee_account_id], day=day)
