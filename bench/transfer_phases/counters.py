"""What a phase cost: CPU of the machine, the servers, this client and PostgreSQL (all of it, and
only the benchmark database's backends), and the database's sessions and commits."""

from __future__ import annotations

import os
import resource
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench.transfer_phases.database import admin_url, db_name

TICK = os.sysconf("SC_CLK_TCK")


# A backend publishes its counters at most once a second; one that goes idle less than a second
# after its last publication waits PGSTAT_IDLE_INTERVAL (10 s, PostgreSQL 15+) to publish the rest.
# Pooled connections stay open, so a reading 1 s after a load misses its last second's commits
# (and the next reading gets them): SETTLE_POOLED waits that interval out.
SETTLE_POOLED = 11.0


def db_activity(url: str, settle: float = 1.0) -> dict[str, int]:
    """Cumulative sessions opened and transactions committed/rolled back in the database,
    `settle` seconds after the last load (see SETTLE_POOLED)."""
    time.sleep(settle)
    # Read from the maintenance database: a statement here would be one more commit in the count.
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        row = conn.execute("SELECT sessions, xact_commit, xact_rollback FROM pg_stat_database WHERE datname = %s",
                           (db_name(url),)).fetchone()
    return {"sessions": row[0], "commits": row[1], "rollbacks": row[2]}


def activity_line(before: dict[str, int], after: dict[str, int], ops: int) -> str:
    return ", ".join(f"{(after[k] - before[k]) / max(ops, 1):.2f} {k}" for k in before) + " per operation"



def cpu_busy_total() -> tuple[float, float]:
    """(busy, total) seconds of all CPUs since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / TICK, sum(fields[:8]) / TICK


def proc_cpu(pid: int) -> float:
    try:
        parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / TICK
    except (OSError, IndexError):
        return 0.0


def postgres_cpu() -> float:
    """CPU seconds of all PostgreSQL processes: live ones, plus the exited backends that the
    postmaster has reaped (its children's time), so per-request connections are counted too."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            parts = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parent = Path(f"/proc/{parts[1]}/comm").read_text().strip() if parts[1] != "0" else ""
        except (OSError, IndexError):
            continue
        total += (int(parts[11]) + int(parts[12])) / TICK
        if parent != "postgres":  # the postmaster: add its reaped children
            total += (int(parts[13]) + int(parts[14])) / TICK
    return total


class BackendMonitor:
    """CPU of the PostgreSQL backends serving the benchmark database only (other databases on a
    shared server excluded), by sampling pg_stat_activity every `interval` seconds. Exact for
    long-lived (pooled) connections; a short-lived backend's CPU after its last sample is missed."""

    def __init__(self, url: str, interval: float = 0.2):
        self.url, self.interval = url, interval
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self, conn: psycopg.Connection, initial: bool) -> None:
        pids = [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (db_name(self.url),))]
        for pid in pids:
            cpu = proc_cpu(pid)
            if cpu:
                self.first.setdefault(pid, cpu if initial else 0.0)
                self.last[pid] = cpu

    def _loop(self) -> None:
        # Connected to the maintenance database, so that its samples (five statements a second)
        # are not counted among the benchmark database's commits.
        with psycopg.connect(admin_url(self.url), autocommit=True) as conn:
            self._sample(conn, initial=True)
            self.started.set()
            while not self.stop_event.wait(self.interval):
                self._sample(conn, initial=False)
            self._sample(conn, initial=False)

    def start(self) -> None:
        self.started = threading.Event()
        self.thread.start()
        self.started.wait(10)

    def stop(self) -> float:
        self.stop_event.set()
        self.thread.join()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuWindow:
    servers: list[int]
    url: str
    start: tuple = ()

    def begin(self) -> None:
        self.monitor = BackendMonitor(self.url)
        self.monitor.start()
        self.start = (cpu_busy_total(), [proc_cpu(p) for p in self.servers], self_cpu(), postgres_cpu(), time.monotonic())

    def end(self) -> dict[str, float]:
        (busy0, total0), srv0, me0, pg0, t0 = self.start
        busy1, total1 = cpu_busy_total()
        srv = sum(proc_cpu(p) for p in self.servers) - sum(srv0)
        me = self_cpu() - me0
        pg = postgres_cpu() - pg0
        pg_db = self.monitor.stop()
        wall = time.monotonic() - t0
        busy = busy1 - busy0
        return {"wall": wall, "machine_busy": busy, "machine_capacity": total1 - total0, "servers": srv,
                "client": me, "postgres": pg, "postgres_db": pg_db,
                "other": busy - srv - me - pg}


def background_busy(seconds: float = 2.0) -> float:
    """Share of the machine's CPUs busy while this benchmark is idle (other work on a shared box)."""
    busy0, total0 = cpu_busy_total()
    time.sleep(seconds)
    busy1, total1 = cpu_busy_total()
    return (busy1 - busy0) / max(total1 - total0, 1e-9)


def cpu_line(c: dict[str, float], ops: int) -> str:
    per = (lambda s: f"{1000 * s / ops:.2f} ms/op") if ops else (lambda s: "-")
    return (f"machine busy {100 * c['machine_busy'] / max(c['machine_capacity'], 1e-9):.0f}% of {os.cpu_count()} CPUs; "
            f"servers {c['servers']:.1f}s ({per(c['servers'])}), this client {c['client']:.1f}s ({per(c['client'])}), "
            f"postgres {c['postgres']:.1f}s ({per(c['postgres'])}; this database's backends "
            f"{c['postgres_db']:.1f}s, {per(c['postgres_db'])}), other processes {c['other']:.1f}s")

