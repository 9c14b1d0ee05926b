#!/usr/bin/env python
"""SecureBank chain benchmark: mining time per block at difficulty 4 and `verify_chain`
throughput, and how both grow with the length of the chain (10,000 and 100,000 transactions).

    DEBUG=1 .venv/bin/python bench/chain.py                         # SQLite in a temp dir, ~3-5 min
    DEBUG=1 .venv/bin/python bench/chain.py --sizes 10000,100000 \\
        --database-url postgres://postgres@127.0.0.1:5432/sb_chain_bench   # PostgreSQL (DB must exist; it is flushed)

For each size, in order on one growing ledger:
1. bulk-insert completed transactions with their two entries (realistic fields: fraud score,
   reasons, distinct accounts, running balances) until the ledger holds that many, then (on
   PostgreSQL, unless --no-analyze) ANALYZE, as autovacuum would after a bulk load;
2. mine them all with `blocks_mine_pending(max_tx=1000)` at the configured difficulty and time
   every block (selection, leaves, Merkle root, proof-of-work, signature, inserts);
3. run `chain_verify()` (what `manage.py verify_chain` runs) over the whole chain, with one
   process and with `--workers 2`, five times each (`--verify-runs`): every run is printed,
   the table shows the median;
4. steady state: 20 rounds of "10 new transactions, then `block_mine`", as the loop worker does,
   with a full sweep and with the recent-window query.
Also: proof-of-work alone over 200 random headers (hashing a precomputed prefix).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import django_setup, pct  # noqa: E402


def setup_django(database_url: str | None, difficulty: int) -> None:
    os.environ["BLOCKCHAIN_DIFFICULTY"] = str(difficulty)
    django_setup(database_url, scratch_prefix="sb-chain-bench-")


class Ledger:
    """Bulk-made completed transactions between `accounts` customer accounts (bench only: the
    services are measured elsewhere; here only the rows the chain reads matter)."""

    def __init__(self, accounts: int) -> None:
        from ledger.models import Account

        Account.objects.bulk_create(
            [Account(number=f"7{i:013d}", name="Bench", kind="customer", balance=Decimal("0")) for i in range(accounts)]
        )
        self.accounts = list(Account.objects.filter(name="Bench").values_list("pk", flat=True))
        self.balance = {pk: Decimal("1000000.00") for pk in self.accounts}
        self.count = 0
        self.rng = random.Random(7)

    def add(self, n: int, *, live: bool = False) -> None:
        """`n` more transactions: history (one a second, all over a day old) or, `live`, just now."""
        from datetime import timedelta

        from django.db import transaction
        from django.utils import timezone

        from ledger.models import Entry, Transaction

        txns, entries = [], []
        # One transaction a second, all over a day old: a history, not a burst (the miner's
        # recent-window query must not see the whole ledger as recent).
        start = timezone.now() - timedelta(days=1) - timedelta(seconds=200_000)
        for _ in range(n):
            payer, payee = self.rng.sample(self.accounts, 2)
            amount = Decimal(self.rng.randint(100, 500000)) / 100
            self.balance[payer] -= amount
            self.balance[payee] += amount
            self.count += 1
            txn = Transaction(
                reference=f"{self.count:012d}", kind="transfer", status="completed", amount=amount,
                description=self.rng.choice(["", "rent", "groceries", "chai ☕", "EMI"]), payer_account_id=payer,
                payee_account_id=payee, channel=self.rng.choice(["api", "qr", "voice"]),
                completed_at=timezone.now() if live else start + timedelta(seconds=self.count),
                fraud_score=Decimal(self.rng.randint(0, 99999)) / 100000, fraud_decision="allow",
                fraud_model_version="xgb-bench", fraud_reasons=["amount typical for payer"],
            )
            txns.append(txn)
            entries.append(Entry(transaction=txn, account_id=payer, amount=-amount, balance_after=self.balance[payer]))
            entries.append(Entry(transaction=txn, account_id=payee, amount=amount, balance_after=self.balance[payee]))
        with transaction.atomic():
            Transaction.objects.bulk_create(txns, batch_size=1000)
            Entry.objects.bulk_create(entries, batch_size=2000)


def bench_pow(samples: int, difficulty: int) -> list[float]:
    from datetime import UTC, datetime

    from chain.crypto import header_prefix, pow_search

    times = []
    for i in range(samples):
        prefix = header_prefix(index=i + 1, previous_hash=secrets.token_hex(32), merkle_root=secrets.token_hex(32),
                               timestamp=datetime.now(UTC), difficulty=difficulty, tx_count=1000)
        started = time.perf_counter()
        pow_search(prefix, difficulty)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="ledger sizes (transactions), ascending")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL of a throwaway database (flushed)")
    parser.add_argument("--difficulty", type=int, default=4)
    parser.add_argument("--max-tx", type=int, default=1000)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--pow-samples", type=int, default=200)
    parser.add_argument("--workers", default="1,2", help="verify_chain --workers values to measure")
    parser.add_argument("--verify-runs", type=int, default=5, help="verify_chain runs per --workers value (median reported)")
    parser.add_argument("--no-analyze", dest="analyze", action="store_false",
                        help="PostgreSQL: skip ANALYZE after the bulk load (see results_chain.md)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    args.workers = [int(w) for w in args.workers.split(",")]
    setup_django(args.database_url, args.difficulty)

    from django.db import connection

    from chain.models import Seal
    from chain.services import blocks_mine_iter, blocks_mine_pending, genesis_ensure
    from chain.verification import chain_verify

    genesis_ensure()
    autovacuum = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW autovacuum")
            autovacuum = f"; autovacuum {cursor.fetchone()[0]}, ANALYZE after bulk load: {'yes' if args.analyze else 'no'}"
    print(f"database: {connection.vendor}{autovacuum}; difficulty {args.difficulty}; blocks of at most {args.max_tx}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs", flush=True)

    pow_times = bench_pow(args.pow_samples, args.difficulty)
    print(f"proof-of-work alone, {len(pow_times)} headers: median {statistics.median(pow_times) * 1000:.1f} ms, "
          f"mean {statistics.mean(pow_times) * 1000:.1f} ms, p90 {pct(pow_times, 0.9) * 1000:.1f} ms, "
          f"max {max(pow_times) * 1000:.1f} ms", flush=True)

    ledger = Ledger(args.accounts)
    rows = []
    for size in sizes:
        started = time.perf_counter()
        while ledger.count < size:
            ledger.add(min(5000, size - ledger.count))
        if args.analyze and connection.vendor == "postgresql":
            # What autovacuum does shortly after a bulk load; without it (autovacuum off, as on
            # the shared development server) the planner sees the fresh rows with no statistics.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"\n== {size:,} transactions (inserted in {time.perf_counter() - started:.1f} s)", flush=True)

        block_times: list[float] = []
        block_cpu: list[float] = []
        started = t0 = time.perf_counter()
        c0 = time.process_time()
        for _block in blocks_mine_iter(max_tx=args.max_tx):  # what `mine_blocks --once` runs
            block_times.append(time.perf_counter() - t0)
            block_cpu.append(time.process_time() - c0)
            t0, c0 = time.perf_counter(), time.process_time()
        mined_in = time.perf_counter() - started
        print(f"mined {len(block_times)} blocks of up to {args.max_tx} in {mined_in:.1f} s: per block median "
              f"{statistics.median(block_times):.3f} s, p90 {pct(block_times, 0.9):.3f} s, max {max(block_times):.3f} s "
              f"(CPU median {statistics.median(block_cpu):.3f} s)", flush=True)

        verify_runs = []
        for workers in args.workers:
            times = []
            for _run in range(args.verify_runs):
                t0, c0 = time.perf_counter(), time.process_time()
                report = chain_verify(workers=workers)
                verify_s, verify_cpu = time.perf_counter() - t0, time.process_time() - c0
                assert report.ok, report.failure
                assert report.transactions == Seal.objects.count() == ledger.count
                times.append(verify_s)
                cpu_note = f", this process's CPU {verify_cpu:.2f} s = {report.transactions / verify_cpu:,.0f} tx/CPU-s" if workers == 1 else ""
                print(f"verify_chain --workers {workers}: {report.blocks} blocks, {report.transactions:,} transactions in "
                      f"{verify_s:.2f} s = {report.transactions / verify_s:,.0f} tx/s{cpu_note}", flush=True)
            median_s = statistics.median(times)
            rates = sorted(report.transactions / t for t in times)
            print(f"verify_chain --workers {workers}, median of {len(times)}: {median_s:.2f} s = "
                  f"{report.transactions / median_s:,.0f} tx/s (range {rates[0]:,.0f}-{rates[-1]:,.0f})", flush=True)
            verify_runs.append((workers, median_s, report.transactions / median_s))

        steady: dict[str, list[float]] = {"full sweep": [], "recent window": []}
        for mode in steady:
            for _ in range(20):
                ledger.add(10, live=True)
                t0 = time.perf_counter()
                mined = blocks_mine_pending(max_tx=args.max_tx, full_sweep=mode == "full sweep")
                steady[mode].append(time.perf_counter() - t0)
                assert len(mined) == 1 and mined[0].tx_count == 10
            print(f"steady state, 10-transaction blocks ({mode}): median {statistics.median(steady[mode]):.3f} s, "
                  f"p90 {pct(steady[mode], 0.9):.3f} s", flush=True)
        rows.append((size, statistics.median(block_times), pct(block_times, 0.9), statistics.median(steady["full sweep"]),
                     statistics.median(steady["recent window"]), verify_runs))

    print(f"\n| chain length (tx) | block of {args.max_tx}: median / p90 (s) | block of 10, full sweep: median (s) "
          "| block of 10, recent window: median (s) | verify_chain (median): workers, s, tx/s |")
    print("|---|---|---|---|---|")
    for size, med, p90, full, window, verify_runs in rows:
        runs = "; ".join(f"{w}: {s:.2f} s, {r:,.0f} tx/s" for w, s, r in verify_runs)
        print(f"| {size:,} | {med:.3f} / {p90:.3f} | {full:.3f} | {window:.3f} | {runs} |")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
