"""Spending summary and people search for a customer with 100,000 transactions (PostgreSQL).

    DEBUG=1 .venv/bin/python bench/summary.py --database-url postgres://postgres@127.0.0.1:5432/sb_rollup_bench

The database is flushed and migrated, then filled by SQL (generate_series): one caller with
`--transactions` transactions over the last 365 days (60% paid out, 40% received, 90%
completed, 5% held, 5% declined, five kinds) with `--counterparties` customers, plus
`--noise` transactions between the other customers so the caller's rows are not the whole
table. Ledger entries are not written (the summary does not read them): do not run
check_ledger on this database. VACUUM ANALYZE follows, as autovacuum would after a load.

Measured, `--runs` times each after 3 warm-ups, median and p95 of wall time:
- the rollup (ledger.rollup) cold: the first year read, which fills every bucket of the year
  (`--cold-runs` times, the buckets deleted before each), the first read of a new day, which
  fills yesterday's buckets (deleted before each), and the first read of a month, which fills
  the counterparty buckets of the days at the window's start (deleted before each); then the rollup's size: lines
  per account-day, and the lines a year reads against the transactions it replaces;
- `ledger.summary.transaction_summary` for week / month / year through the rollup (buckets
  filled, not yet vacuumed, then after VACUUM ANALYZE as autovacuum would), and on the fly
  (`rollup=False`, every transaction of the window summed: the reference);
- GET /api/transactions/summary through Django's test client with a real JWT (auth, the
  selector and rendering, no network);
- GET /api/users/search (a contact's name prefix and an exact VPA);
and EXPLAIN (ANALYZE, BUFFERS) of the year's rollup read is printed, to show where its time goes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import django_setup, pct  # noqa: E402


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/sb_rollup_bench")
    p.add_argument("--transactions", type=int, default=100_000)
    p.add_argument("--counterparties", type=int, default=200)
    p.add_argument("--noise", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--cold-runs", type=int, default=5)
    p.add_argument("--seed", type=float, default=0.42)
    return p.parse_args()


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


LOAD_SQL = """
INSERT INTO ledger_transaction (id, reference, kind, status, amount, description, payer_account_id, payee_account_id,
    channel, created_at, completed_at, status_reason, fraud_reasons)
SELECT gen_random_uuid(), lpad((%(offset)s + g)::text, 12, '0'),
       (ARRAY['transfer','payment','qr_payment','voice_payment','request_payment'])[1 + (g %% 5)],
       CASE WHEN g %% 20 = 0 THEN 'declined' WHEN g %% 20 = 1 THEN 'held' ELSE 'completed' END,
       round((1 + random() * 4999)::numeric, 2), '',
       CASE WHEN %(caller)s::bigint IS NULL THEN cp.a WHEN g %% 5 < 3 THEN %(caller)s ELSE cp.a END,
       CASE WHEN %(caller)s::bigint IS NULL THEN cp.b WHEN g %% 5 < 3 THEN cp.a ELSE %(caller)s END,
       'api', now() - random() * interval '365 days', now(), '', '[]'::jsonb
  FROM generate_series(1, %(n)s) AS g
  CROSS JOIN LATERAL (
      SELECT (%(accounts)s::bigint[])[1 + x.r] AS a, (%(accounts)s::bigint[])[1 + ((x.r + x.s) %% %(k)s)] AS b
        FROM (SELECT floor(random() * %(k)s)::int + g * 0 AS r, 1 + floor(random() * (%(k)s - 1))::int AS s) AS x
  ) AS cp
"""


def load(args: argparse.Namespace):
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from accounts.models import User
    from ledger.models import Account

    unusable = make_password(None)
    users = [User(username=f"cp{i:04d}", email=f"cp{i}@example.in", full_name=f"Counter Party {i:04d}",
                  vpa=f"cp{i:04d}@securebank", password=unusable) for i in range(args.counterparties)]
    caller = User(username="caller", email="caller@example.in", full_name="Heavy Caller", vpa="caller@securebank",
                  password=unusable)
    User.objects.bulk_create([caller, *users])
    caller = User.objects.get(username="caller")
    people = list(User.objects.filter(username__startswith="cp").order_by("pk"))
    Account.objects.bulk_create([Account(owner=u, is_primary=True, number=f"5{u.pk:013d}", balance=0)
                                 for u in [caller, *people]])
    mine = Account.objects.get(owner=caller).pk
    others = list(Account.objects.filter(owner__in=people).order_by("pk").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [args.seed])
        t = time.monotonic()
        cursor.execute(LOAD_SQL, {"offset": 0, "caller": mine, "accounts": others, "k": len(others), "n": args.transactions})
        cursor.execute(LOAD_SQL, {"offset": args.transactions, "caller": None, "accounts": others, "k": len(others),
                                  "n": args.noise})
        print(f"loaded {args.transactions:,} + {args.noise:,} transactions in {time.monotonic() - t:.1f} s")
    connection.close()
    import psycopg

    with psycopg.connect(args.database_url, autocommit=True) as conn:
        t = time.monotonic()
        conn.execute("VACUUM ANALYZE ledger_transaction")
        print(f"VACUUM ANALYZE in {time.monotonic() - t:.1f} s")
    return caller


def timed(fn, runs: int) -> tuple[float, float]:
    for _ in range(3):
        fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples), pct(samples, 0.95)


def main() -> int:
    args = parse_args()
    ensure_database(args.database_url)
    os.environ.setdefault("THROTTLE_SEARCH", "off")
    django_setup(args.database_url, scratch_prefix="sb-summary-")
    from django.db import connection
    from django.utils import timezone
    from rest_framework.test import APIClient

    from accounts.selectors import user_search
    from accounts.services import token_pair_create
    from ledger import rollup
    from ledger.models import Account, SummaryRollup, SummaryRollupLine, Transaction
    from ledger.summary import summary_window, transaction_summary
    from securebank import sql

    caller = load(args)
    counts = Transaction.objects.filter(payer_account__owner=caller).count() + Transaction.objects.filter(
        payee_account__owner=caller).count()
    print(f"caller's transactions: {counts:,}; table: {Transaction.objects.count():,}")
    mine = list(Account.objects.filter(owner=caller).values_list("pk", flat=True))

    def forget(**where) -> None:
        SummaryRollup.objects.filter(account_id__in=mine, **where).delete()
        SummaryRollupLine.objects.filter(account_id__in=mine, **where).delete()

    print(f"\n{'rollup, cold':<46} {'median ms':>10} {'max ms':>8}")
    samples = []
    for _ in range(args.cold_runs):
        forget()
        t = time.perf_counter()
        transaction_summary(user=caller, period="year")
        samples.append((time.perf_counter() - t) * 1000)
    print(f"{'first year read (fills all buckets)':<46} {statistics.median(samples):>10.1f} {max(samples):>8.1f}")
    start, _, since = summary_window(period="year")
    plan = rollup.plan_window(start=start, since=since, now=timezone.now())
    samples = []
    for _ in range(args.cold_runs):
        forget(span="day", start=plan.last)
        t = time.perf_counter()
        transaction_summary(user=caller, period="year")
        samples.append((time.perf_counter() - t) * 1000)
    print(f"{'first year read of a day (fills yesterday)':<46} {statistics.median(samples):>10.1f} {max(samples):>8.1f}")
    edge = [day for day in plan.party_days if plan.months and day < plan.months[0]]
    samples = []
    for _ in range(args.cold_runs):  # once a month the window's start enters a month not yet split into days
        forget(span="day_party", start__in=edge)
        t = time.perf_counter()
        transaction_summary(user=caller, period="year")
        samples.append((time.perf_counter() - t) * 1000)
    print(f"{f'first year read of a month (fills {len(edge)} edge days)':<46} {statistics.median(samples):>10.1f} {max(samples):>8.1f}")

    lines = SummaryRollupLine.objects.filter(account_id__in=mine)
    spans = {span: (SummaryRollup.objects.filter(account_id__in=mine, span=span).count(), lines.filter(span=span).count())
             for span in ("day", "day_party", "month_party")}
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT COUNT(*), COUNT(DISTINCT (day, outgoing, other)) FROM (
                SELECT (created_at AT TIME ZONE %(tz)s)::date AS day, TRUE AS outgoing, payee_account_id AS other
                  FROM ledger_transaction WHERE payer_account_id = ANY(%(mine)s) AND status = 'completed' AND created_at >= %(since)s
                UNION ALL
                SELECT (created_at AT TIME ZONE %(tz)s)::date, FALSE, payer_account_id
                  FROM ledger_transaction WHERE payee_account_id = ANY(%(mine)s) AND status = 'completed' AND created_at >= %(since)s
            ) AS sides""", {"tz": "Asia/Kolkata", "mine": mine, "since": since})
        completed, day_parties = cursor.fetchone()
    print(f"\nthe caller's completed transactions over the year: {completed:,} ({completed / 365:.0f} per day); "
          f"distinct (day, direction, counterparty): {day_parties:,} ({day_parties / 365:.0f} per day)")
    for span, (buckets, count) in spans.items():
        print(f"  {span:<12} {buckets:>4} buckets {count:>7,} lines ({count / max(buckets, 1):.1f} per bucket)")
    read = sum(count for _, count in spans.values())
    print(f"  a year reads {read:,} rollup lines (+ the live rows of today) instead of {completed:,} transactions")

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_create(caller).access}")
    target = 50.0

    def measure(label: str, rollup_on: bool) -> None:
        print(f"\n{label}\n{'what':<46} {'median ms':>10} {'p95 ms':>8}  rows summarised")
        for period in ("week", "month", "year"):
            summary = transaction_summary(user=caller, period=period, rollup=rollup_on)
            med, p95 = timed(lambda p=period: transaction_summary(user=caller, period=p, rollup=rollup_on), args.runs)
            print(f"{'selector transaction_summary ' + period:<46} {med:>10.1f} {p95:>8.1f}  {summary.total.count:,}")
            if not rollup_on:
                continue
            resp = client.get("/api/transactions/summary", {"period": period})
            assert resp.status_code == 200, resp.content
            med, p95 = timed(lambda p=period: client.get("/api/transactions/summary", {"period": p}), args.runs)
            flag = "met" if p95 <= target else "MISSED"
            print(f"{'GET /api/transactions/summary?period=' + period:<46} {med:>10.1f} {p95:>8.1f}  (p95 vs {target:.0f} ms: {flag})")

    for period in ("week", "month", "year"):
        assert transaction_summary(user=caller, period=period) == transaction_summary(user=caller, period=period, rollup=False)
    print("\nthe rollup's summaries equal the on-the-fly ones (week, month, year)")
    measure("through the rollup, buckets just filled (not vacuumed):", True)
    import psycopg

    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE ledger_summaryrollup")
        conn.execute("VACUUM ANALYZE ledger_summaryrollupline")
    connection.close()
    measure("through the rollup, after VACUUM ANALYZE of its tables:", True)
    measure("on the fly (rollup=False), for reference:", False)
    for q in ("Counter Party 01", "cp0042@securebank"):
        hits = user_search(user=caller, q=q)
        med, p95 = timed(lambda q=q: client.get("/api/users/search", {"q": q}), args.runs)
        print(f"{'GET /api/users/search?q=' + q:<46} {med:>10.1f} {p95:>8.1f}  {len(hits)} hits")

    params = rollup._read_params(mine, plan)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql.model_sql(SummaryRollupLine, rollup._READ_SQL), params)
        print("\nEXPLAIN (ANALYZE, BUFFERS), the rollup read of period=year:")
        for (line,) in cursor.fetchall():
            print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
