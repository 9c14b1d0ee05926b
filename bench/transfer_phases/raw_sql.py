"""The raw-SQL baseline: K psycopg connections looping the bare transfer transaction (lock two
accounts in id order, update both, insert one transaction and two entries)."""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal

import psycopg

from bench.transfer_phases.database import Customer
from bench.transfer_phases.http_load import random_amount

RAW_TXN = """INSERT INTO ledger_transaction (id, reference, kind, status, amount, description, payer_account_id,
    payee_account_id, channel, created_at, completed_at, status_reason, fraud_reasons)
    VALUES (%s, %s, 'transfer', 'completed', %s, 'raw', %s, %s, 'raw', now(), now(), '', '[]'::jsonb)"""
RAW_ENTRIES = """INSERT INTO ledger_entry (transaction_id, account_id, amount, balance_after, created_at)
    VALUES (%s, %s, %s, %s, now()), (%s, %s, %s, %s, now())"""


def raw_load(url: str, customers: list[Customer], clients: int, seconds: float, seed: int, low: int, high: int) -> tuple[int, Counter]:
    done = [0] * clients
    errors: Counter = Counter()
    stop_at = time.monotonic() + seconds

    def client(index: int) -> None:
        rng = random.Random(seed * 7919 + index)
        with psycopg.connect(url) as conn:
            while time.monotonic() < stop_at:
                payer, payee = rng.sample(customers, 2)
                amount = Decimal(random_amount(rng, low, high))
                try:
                    with conn.transaction():
                        rows = dict(conn.execute(
                            "SELECT id, balance - held FROM ledger_account WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                            ([payer.account_id, payee.account_id],),
                        ).fetchall())
                        if rows[payer.account_id] < amount:
                            errors["insufficient_funds"] += 1
                            continue
                        (payer_after,) = conn.execute(
                            "UPDATE ledger_account SET balance = balance - %s, updated_at = now() WHERE id = %s RETURNING balance",
                            (amount, payer.account_id)).fetchone()
                        (payee_after,) = conn.execute(
                            "UPDATE ledger_account SET balance = balance + %s, updated_at = now() WHERE id = %s RETURNING balance",
                            (amount, payee.account_id)).fetchone()
                        txn_id = uuid.uuid4()
                        conn.execute(RAW_TXN, (txn_id, f"{rng.randrange(10**12):012d}", amount, payer.account_id, payee.account_id))
                        conn.execute(RAW_ENTRIES, (txn_id, payer.account_id, -amount, payer_after,
                                                   txn_id, payee.account_id, amount, payee_after))
                    done[index] += 1
                except psycopg.Error as exc:
                    errors[type(exc).__name__] += 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done), errors



def raw_phase(url: str, customers: list[Customer], clients: int, seconds: float, seed: int, low: int,
              high: int) -> dict:
    """Run and print the raw-SQL phase; its figures, `cost` (CPU seconds per transaction) and
    `violations` (the ledger invariants broken afterwards) included."""
    from bench.transfer_phases.counters import CpuWindow, activity_line, cpu_line, db_activity
    from bench.transfer_phases.ledger_checks import ledger_violations

    print(f"raw SQL: {clients} connections x {seconds:.0f}s ...", flush=True)
    activity = db_activity(url)
    window = CpuWindow([], url)
    window.begin()
    done, errors = raw_load(url, customers, clients, seconds, seed, low, high)
    cpu = window.end()
    print(f"  database: {activity_line(activity, db_activity(url), done)}")
    rate = done / cpu["wall"]
    print(f"  {done} transactions in {cpu['wall']:.1f}s = {rate:.1f} transactions/s; errors: {dict(errors) or 'none'}")
    print(f"  cpu: {cpu_line(cpu, done)}")
    cost = (cpu["client"] + cpu["postgres_db"]) / max(done, 1)
    print(f"  cpu per transaction (psycopg client + this database's backends): {1000 * cost:.2f} ms -> ceiling on "
          f"{os.cpu_count()} dedicated CPUs ~{os.cpu_count() / cost:.0f}/s")
    violations = ledger_violations(url)
    print(f"ledger invariants after raw SQL: {'clean' if not violations else '; '.join(violations)}")
    return {"transactions": done, "per_s": round(rate, 1), "errors": dict(errors),
            "cpu_s": {k: round(v, 2) for k, v in cpu.items()}, "rate": rate, "cost": cost, "violations": violations}
