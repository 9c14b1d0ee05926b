"""The measured phase: K keep-alive clients doing keyed `POST /api/transactions/transfer` between
random customers for T seconds (after an unmeasured warm-up), with the CPU and the database's
commits per transfer, an optional py-spy profile, and the replay of a sample of keys."""

from __future__ import annotations

import argparse
import os
from collections import Counter
from pathlib import Path

from bench.transfer_phases.counters import (
    SETTLE_POOLED,
    CpuWindow,
    activity_line,
    background_busy,
    cpu_line,
    db_activity,
)
from bench.transfer_phases.database import Customer
from bench.transfer_phases.http_load import LoadResult, http_load, percentile, replay_check
from bench.transfer_phases.profiling import profile_summary, samplers_start
from bench.transfer_phases.servers import Servers


def transfers_phase(args: argparse.Namespace, servers: Servers, customers: list[Customer], low: int, high: int,
                    cleanup: list) -> dict:
    """Run and print the phase. Returns its figures (the JSON's "http"), plus `rate`, `cost` (CPU
    seconds per transfer), `created` (201s, warm-up included), `failed` (a replay that did not
    replay), `replays`, `background_busy` and `profile` (the py-spy summary) for the caller."""
    idle = background_busy()
    print(f"  background load before the run: {100 * idle:.0f}% of {os.cpu_count()} CPUs busy", flush=True)
    warm = (http_load(customers, servers.ports, args.clients, args.warmup, args.seed + 99, low, high)
            if args.warmup > 0 else LoadResult())
    samplers = []
    if args.profile:
        samplers = samplers_start(servers.procs, servers.ports, Path(args.profile), args.profile_rate, args.duration)
        cleanup.append(lambda: [s.kill() for s in samplers if s.poll() is None])
    print(f"HTTP: {args.clients} clients x {args.duration:.0f}s ...", flush=True)
    settle = SETTLE_POOLED if args.db_pool else 1.0  # backends per request publish when they exit
    activity = db_activity(args.database_url, settle)
    window = CpuWindow(servers.pids(), args.database_url)
    window.begin()
    load = http_load(customers, servers.ports, args.clients, args.duration, args.seed, low, high)
    cpu = window.end()
    for s in samplers:
        s.wait(timeout=60)

    latencies = sorted(s.latency for s in load.samples)
    statuses = Counter((s.status, s.code) for s in load.samples)
    ok = statuses[(201, "")]
    rate = ok / cpu["wall"]
    p50, p95, p99 = (1000 * percentile(latencies, q) for q in (50, 95, 99))
    print(f"  transfers: {ok} completed in {cpu['wall']:.1f}s = {rate:.1f} transfers/s "
          f"({len(load.samples)} requests)")
    print(f"  latency ms: p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  max {1000 * latencies[-1]:.1f}")
    errors = {f"{st} {code}".strip(): n for (st, code), n in statuses.items() if st != 201}
    print(f"  other responses (202 = held by fraud checks): {errors or 'none'}")
    print(f"  cpu: {cpu_line(cpu, ok)}")
    # Without the pool every request opens a backend that often ends before the monitor samples
    # it: then count all PostgreSQL CPU (other databases' included, so an upper bound).
    pg_http = cpu["postgres_db"] if args.db_pool else cpu["postgres"]
    cost = (cpu["servers"] + pg_http) / max(ok, 1)
    print(f"  database: {activity_line(activity, db_activity(args.database_url, settle), len(load.samples))}")
    print(f"  cpu per transfer (server + {'this database' if args.db_pool else 'all'} postgres backends): "
          f"{1000 * cost:.2f} ms -> ceiling on {os.cpu_count()} "
          f"dedicated CPUs ~{os.cpu_count() / cost:.0f} transfers/s")
    figures = {"transfers": ok, "requests": len(load.samples), "seconds": round(cpu["wall"], 2),
               "transfers_per_s": round(rate, 1), "p50_ms": round(p50, 1), "p95_ms": round(p95, 1),
               "p99_ms": round(p99, 1), "errors": errors, "cpu_s": {k: round(v, 2) for k, v in cpu.items()}}
    summary = None
    if args.profile:
        summary = profile_summary(sorted(Path(args.profile).glob("server-*.folded")), args.profile_rate,
                                  1000 * cpu["servers"] / max(ok, 1))
        print(summary)

    replayed, tried = replay_check(load, servers.ports, args.replays, args.seed)
    print(f"idempotent replays: {replayed}/{tried} returned the stored 201")
    return {"figures": figures, "rate": rate, "cost": cost, "created": len(load.created) + len(warm.created),
            "failed": replayed != tried, "replays": f"{replayed}/{tried}", "background_busy": round(idle, 3),
            "profile": summary}
