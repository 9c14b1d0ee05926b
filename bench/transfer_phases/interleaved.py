"""`--rounds N`: the HTTP-to-raw-SQL ratio measured in the same minutes. N rounds, each of S
seconds (`--slice`) of HTTP transfers (the servers already warm) followed by S seconds of the
raw-SQL transaction, so a change in the machine's speed moves both sides of each round's ratio alike.

The single long phases run minutes apart: on a shared machine the same code measured 18.6% and
then 11.0% of raw SQL back to back, because the machine's speed differed between the two
phases (the client's CPU per request moved 0.37 -> 0.48 ms, the raw transaction's 1.13 -> 0.90
ms). The median round is the figure to quote; the spread of the rounds says how much the
machine moved."""

from __future__ import annotations

import statistics
from collections import Counter

from bench.transfer_phases.counters import CpuWindow
from bench.transfer_phases.database import Customer
from bench.transfer_phases.http_load import LoadResult, http_load, percentile
from bench.transfer_phases.raw_sql import raw_load
from bench.transfer_phases.report import P99_TARGET_MS, TARGET
from bench.transfer_phases.servers import Servers


def _http_slice(url: str, servers: Servers, customers: list[Customer], clients: int, seconds: float, seed: int,
                low: int, high: int) -> tuple[LoadResult, float, float, float]:
    """One slice of HTTP transfers: (load, transfers/s, CPU seconds per transfer, of which
    PostgreSQL's)."""
    window = CpuWindow(servers.pids(), url)
    window.begin()
    load = http_load(customers, servers.ports, clients, seconds, seed, low, high)
    cpu = window.end()
    ok = sum(1 for s in load.samples if s.status == 201)
    return load, ok / cpu["wall"], (cpu["servers"] + cpu["postgres_db"]) / max(ok, 1), cpu["postgres_db"] / max(ok, 1)


def _raw_slice(url: str, customers: list[Customer], clients: int, seconds: float, seed: int, low: int,
               high: int) -> tuple[float, float, Counter]:
    """One slice of raw SQL: (transactions/s, CPU seconds per transaction, errors)."""
    window = CpuWindow([], url)
    window.begin()
    done, errors = raw_load(url, customers, clients, seconds, seed, low, high)
    cpu = window.end()
    return done / cpu["wall"], (cpu["client"] + cpu["postgres_db"]) / max(done, 1), errors


def interleaved_phase(url: str, servers: Servers, customers: list[Customer], raw_customers: list[Customer],
                      clients: int, slice_s: float, rounds: int, seed: int, low: int, high: int) -> dict:
    """Run and print the rounds; the raw SQL pays between `raw_customers`, whose history the
    HTTP transfers' fraud and daily-limit reads never see (each raw slice adds ~9,000 rows: on
    the HTTP payers, the HTTP side's PostgreSQL CPU per transfer grew 1.6 -> 2.9 ms over six
    rounds). Returns the JSON's "interleaved" figures plus `created` (the
    HTTP 201s, for the ledger check) and `failed` (raw-SQL errors other than a refused debit)."""
    print(f"interleaved: {rounds} rounds of {slice_s:.1f}s HTTP transfers then {slice_s:.1f}s raw SQL, "
          f"{clients} clients each ...", flush=True)
    rows, latencies, created, raw_errors = [], [], 0, Counter()
    for r in range(rounds):
        load, http_rate, http_cost, http_pg = _http_slice(url, servers, customers, clients, slice_s, seed + 5000 + r, low, high)
        raw_rate, raw_cost, errors = _raw_slice(url, raw_customers, clients, slice_s, seed + 6000 + r, low, high)
        raw_errors.update(errors)
        created += len(load.created)
        mine = sorted(s.latency for s in load.samples if s.status == 201)
        latencies.extend(mine)
        other = Counter(f"{s.status} {s.code}".strip() for s in load.samples if s.status != 201)
        row = {"http_per_s": round(http_rate, 1), "raw_per_s": round(raw_rate, 1),
               "ratio": round(http_rate / raw_rate, 3), "cost_ratio": round(raw_cost / http_cost, 3),
               "http_cpu_ms": round(1000 * http_cost, 2), "http_postgres_ms": round(1000 * http_pg, 2), "raw_cpu_ms": round(1000 * raw_cost, 2),
               "p99_ms": round(1000 * percentile(mine, 99), 1), "other": dict(other)}
        rows.append(row)
        print(f"  round {r + 1}: HTTP {http_rate:.1f}/s ({1000 * http_cost:.2f} ms CPU, PostgreSQL {1000 * http_pg:.2f}), raw {raw_rate:.1f}/s "
              f"({1000 * raw_cost:.2f} ms CPU) = {100 * row['ratio']:.1f}% by rate, {100 * row['cost_ratio']:.1f}% "
              f"by CPU; p99 {row['p99_ms']:.1f} ms; other answers {dict(other) or 'none'}", flush=True)
    ratios = [row["ratio"] for row in rows]
    cost_ratios = [row["cost_ratio"] for row in rows]
    latencies.sort()
    p99 = 1000 * percentile(latencies, 99)
    median = statistics.median(ratios)
    print(f"RESULT (interleaved): HTTP / raw SQL median {100 * median:.1f}% by rate "
          f"(rounds {100 * min(ratios):.1f}-{100 * max(ratios):.1f}%), median {100 * statistics.median(cost_ratios):.1f}% "
          f"by CPU (rounds {100 * min(cost_ratios):.1f}-{100 * max(cost_ratios):.1f}%) "
          f"(target >= {100 * TARGET:.0f}%) {'MET' if median >= TARGET else 'NOT MET'}")
    print(f"  p99 over all rounds' transfers {p99:.1f} ms (target <= {P99_TARGET_MS:.0f} ms) "
          f"{'MET' if p99 <= P99_TARGET_MS else 'NOT MET'}; raw SQL errors {dict(raw_errors) or 'none'}")
    refused = {k: v for k, v in raw_errors.items() if k != "insufficient_funds"}
    return {"figures": {"rounds": rows, "median_ratio": round(median, 3),
                        "median_cost_ratio": round(statistics.median(cost_ratios), 3), "p99_ms": round(p99, 1)},
            "created": created, "failed": bool(refused)}
