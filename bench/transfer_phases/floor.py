"""The floor: K clients of an authenticated `GET /api/accounts/me` (JWT and two reads, nothing
written) for T seconds, the rate no authenticated endpoint of this stack can beat."""

from __future__ import annotations

from bench.transfer_phases.counters import CpuWindow, cpu_line
from bench.transfer_phases.database import Customer
from bench.transfer_phases.http_load import http_read_load
from bench.transfer_phases.servers import Servers


def floor_phase(url: str, servers: Servers, customers: list[Customer], clients: int, seconds: float,
                seed: int) -> dict:
    """Run and print the phase. Returns its figures (the JSON's "floor"), plus `rate`, `cost`
    (CPU seconds per request) and `failed` (an answer other than 200)."""
    print(f"floor: {clients} clients x {seconds:.0f}s of GET /api/accounts/me (JWT + 2 reads, no writes) ...",
          flush=True)
    window = CpuWindow(servers.pids(), url)
    window.begin()
    reads = http_read_load(customers, servers.ports, clients, seconds, seed)
    cpu = window.end()
    good = sum(1 for r in reads if r.status == 200)
    rate = good / cpu["wall"]
    cost = (cpu["servers"] + cpu["postgres_db"]) / max(good, 1)
    print(f"  {good} answered 200 of {len(reads)} in {cpu['wall']:.1f}s = {rate:.1f} requests/s; "
          f"cpu: {cpu_line(cpu, good)}")
    figures = {"requests": len(reads), "ok": good, "per_s": round(rate, 1), "cpu_ms_per_op": round(1000 * cost, 2)}
    return {"figures": figures, "rate": rate, "cost": cost, "failed": good != len(reads)}
