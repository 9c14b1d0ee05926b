#!/usr/bin/env python
"""SecureBank transfer benchmark: authenticated, idempotent HTTP transfers against the same work
done in raw SQL, on one fresh PostgreSQL database, in one run.

    .venv/bin/python bench/transfers.py                      # defaults: about 2-3 minutes
    .venv/bin/python bench/transfers.py --workers 2 --db-pool --profile bench/out

Steps: drop and recreate the database (its name must start with `securebank_bench` or `sb_bench`), migrate,
register N users (the real registration service, opening balance included), start daphne
(one process per `--workers`, on consecutive ports), log every user in over HTTP, then drive K
keep-alive clients doing `POST /api/transactions/transfer` with an Idempotency-Key between
random users for T seconds. Prints transfers/s, latency percentiles and errors by status/code;
replays a sample of keys (no money may move); checks the ledger (`manage.py check_ledger` when
it exists, and always the invariants in SQL); then K psycopg connections loop the bare
transaction (lock two accounts in id order, update both, insert one transaction and two
entries) for T seconds, and the HTTP rate is printed as a ratio of that raw-SQL rate. Before
the raw phase, the floor: K clients of an authenticated `GET /api/accounts/me` (JWT and two
reads, nothing written) for T seconds, the rate no authenticated endpoint here can beat.

Servers run with production settings (DEBUG=0, fresh secrets for the run); `--debug` runs them
with DEBUG=1, which also records every SQL statement in memory.

`--profile DIR` samples every server process with py-spy during the measured window (py-spy is
not a requirement: `pip install py-spy`) and prints where the server's Python time goes.
Servers and samplers are stopped at the end, on errors and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import re
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
PASSWORD = "bench-Passw0rd-7319"  # noqa: S105 - throwaway users in a throwaway database
TICK = os.sysconf("SC_CLK_TCK")


# --- Database ------------------------------------------------------------------------------------
def db_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def admin_url(url: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/postgres"))


def db_recreate(url: str) -> None:
    name = db_name(url)
    if not re.fullmatch(r"(securebank_bench|sb_bench)\w*", name):
        raise SystemExit(f"refusing to drop {name!r}: the benchmark database must be named securebank_bench* or sb_bench*")
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=check, capture_output=True, text=True)


USERS_CODE = """
import os
from django.contrib.auth.hashers import make_password
from accounts.models import User
from accounts.services import user_register
# One real Argon2 hash of the shared password, reused: registration stays the real service
# (validation, VPA, primary account, opening deposit) without N slow hashes.
hashed = make_password(os.environ["BENCH_PASSWORD"])
User.set_password = lambda self, raw: setattr(self, "password", hashed)
from accounts.services import token_pair_create
for i in range(int(os.environ["BENCH_USERS"])):
    user = user_register(username=f"bench{i:05d}", email=f"bench{i:05d}@bench.example",
                         password=os.environ["BENCH_PASSWORD"], full_name=f"Bench User {i}")
    if i >= int(os.environ["BENCH_HTTP_LOGINS"]):  # the rest log in over HTTP
        print("TOKEN", user.username, token_pair_create(user).access)
"""


MODEL_REGISTER_CODE = """
import json, os
from pathlib import Path
from typing import Any
from fraud.model_services import model_activate
from fraud.models import FraudModel
meta = json.loads((Path(os.environ["BENCH_MODEL"]) / "metadata.json").read_text())
# get_or_create: a model trained into an empty cache was already registered by train_fraud_model.
FraudModel.objects.get_or_create(version=meta["version"], defaults=dict(
    trained_at=meta["trained_at"], data_source=meta["data_source"][:255], data_sha256=meta["data_sha256"],
    rows=meta["rows"], threshold=meta["threshold"], features=meta["features"], metrics=meta["metrics"]))
model_activate(version=meta["version"])
"""


def fraud_model_setup(env: dict[str, str], choice: str, cache: Path, rows: int) -> str:
    """Make a fraud model active in the bench database; returns a description.

    `none`: no model (the scorer's fail-closed path: rules only). A directory: that saved model
    version. `auto`: the newest model in the cache, trained there once if there is none
    (`train_fraud_model` on generated PaySim rows; later runs reuse it)."""
    if choice == "none":
        return "no active model (fail-closed path: rules only, no XGBoost call)"
    if choice == "auto":
        models = cache / "models"
        found = sorted(p for p in models.glob("*/model.ubj")) if models.exists() else []
        if not found:
            print(f"  training a fraud model on {rows:,} generated PaySim rows (once; cached in {cache}) ...", flush=True)
            manage({**env, "SECUREBANK_DATA_DIR": str(cache), "FRAUD_MODEL_DIR": str(models)},
                   "train_fraud_model", "--rows", str(rows), "--no-dest-comparison", "--threads", str(os.cpu_count() or 1))
            found = sorted(models.glob("*/model.ubj"))
        directory = found[-1].parent
    else:
        directory = Path(choice).resolve()
    manage({**env, "FRAUD_MODEL_DIR": str(directory.parent), "BENCH_MODEL": str(directory)}, "shell", "-c", MODEL_REGISTER_CODE)
    env["FRAUD_MODEL_DIR"] = str(directory.parent)
    meta = json.loads((directory / "metadata.json").read_text())
    return f"XGBoost model {meta['version']} ({meta['rows']:,} rows, best iteration {meta['metrics'].get('best_iteration')})"


@dataclass
class Customer:
    username: str
    account_id: int
    number: str
    token: str = ""


def users_create(env: dict[str, str], url: str, count: int, http_logins: int) -> list[Customer]:
    """Register `count` customers; all but the first `http_logins` get their access token here
    (the same token the login endpoint issues), which saves an Argon2 check per user."""
    done = manage({**env, "BENCH_USERS": str(count), "BENCH_PASSWORD": PASSWORD, "BENCH_HTTP_LOGINS": str(http_logins)},
                  "shell", "-c", USERS_CODE)
    tokens = dict(line.split()[1:3] for line in done.stdout.splitlines() if line.startswith("TOKEN "))
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT u.username, a.id, a.number FROM ledger_account a JOIN accounts_user u ON u.id = a.owner_id "
            "WHERE a.is_primary AND a.kind = 'customer' ORDER BY u.username"
        ).fetchall()
    return [Customer(username=r[0], account_id=r[1], number=r[2], token=tokens.get(r[0], "")) for r in rows]


# --- Servers ---------------------------------------------------------------------------------------
class Servers:
    """`count` daphne processes on consecutive ports, each logging to its own file."""

    def __init__(self, env: dict[str, str], port: int, count: int, log_dir: Path, kind: str = "daphne"):
        self.env, self.ports, self.log_dir, self.kind = env, [port + i for i in range(count)], log_dir, kind
        self.procs: list[subprocess.Popen] = []

    def start(self) -> None:
        if self.kind == "serve":  # the production command: N processes behind one port
            count, self.ports = len(self.ports), self.ports[:1]
        for port in self.ports:
            log = open(self.log_dir / f"server-{port}.log", "w")  # noqa: SIM115 - closed with the process
            if self.kind == "serve":
                cmd = [PYTHON, "manage.py", "serve", "--no-workers", "--host", "127.0.0.1", "--port", str(port),
                       "--workers", str(count)]
            elif self.kind == "uvicorn":  # not a requirement: pip install uvicorn
                cmd = [PYTHON, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
                       "--log-level", "warning", "--lifespan", "off", "--timeout-keep-alive", "75",
                       "securebank.asgi:application"]
            else:
                cmd = [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "securebank.asgi:application"]
            self.procs.append(subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                               start_new_session=True))
        deadline = time.monotonic() + 60
        for port, proc in zip(self.ports, self.procs, strict=True):
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{self.kind} on {port} exited:\n{self.log_tail(port)}")
                try:
                    status, _, _ = request(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "GET", "/api/health")
                    if status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.kind} on {port} did not become healthy:\n{self.log_tail(port)}")
                time.sleep(0.3)

    def pids(self) -> list[int]:
        """The server processes and all their descendants (`serve` -> uvicorn -> its workers)."""
        found, todo = [], [p.pid for p in self.procs]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                todo += [int(c) for c in task.read_text().split()]
        return found

    def log_tail(self, port: int, lines: int = 30) -> str:
        path = self.log_dir / f"server-{port}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs = []


# --- HTTP ------------------------------------------------------------------------------------------
def request(conn: http.client.HTTPConnection, method: str, path: str, body: dict | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict, http.client.HTTPResponse]:
    payload = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    raw = response.read()
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        data = {"error": {"code": "non_json"}}
    return response.status, data, response


def login_all(customers: list[Customer], ports: list[int], threads: int) -> None:
    """Log in (POST /api/auth/login) every customer that has no token yet."""
    pending = [(i, c) for i, c in enumerate(customers) if not c.token]
    lock = threading.Lock()
    failures: list[str] = []

    def work() -> None:
        conns: dict[int, http.client.HTTPConnection] = {}
        while True:
            with lock:
                if not pending:
                    return
                i, customer = pending.pop()
            port = ports[i % len(ports)]
            body = {"username": customer.username, "password": PASSWORD}
            try:
                try:
                    conn = conns.setdefault(port, http.client.HTTPConnection("127.0.0.1", port, timeout=60))
                    status, data, _ = request(conn, "POST", "/api/auth/login", body)
                except (OSError, http.client.HTTPException):  # the server closed an idle keep-alive
                    conns.pop(port).close()
                    conn = conns.setdefault(port, http.client.HTTPConnection("127.0.0.1", port, timeout=60))
                    status, data, _ = request(conn, "POST", "/api/auth/login", body)
            except (OSError, http.client.HTTPException) as exc:
                failures.append(f"{customer.username}: {exc!r}")
                return
            if status != 200:
                failures.append(f"{customer.username}: {status} {data}")
            else:
                customer.token = data["access"]

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if failures:
        raise RuntimeError(f"{len(failures)} logins failed, first: {failures[0]}")


@dataclass
class Sample:
    start: float
    latency: float
    status: int
    code: str


@dataclass
class LoadResult:
    samples: list[Sample] = field(default_factory=list)
    created: list[tuple[Customer, str, dict, dict]] = field(default_factory=list)  # (payer, key, body, response)


def random_amount(rng: random.Random, low: int, high: int) -> str:
    return f"{Decimal(rng.randint(low * 100, high * 100)) / 100:.2f}"


# One request a client makes: method, path, body, headers, and a tag handed back with its answer.
Planned = tuple[str, str, dict | None, dict[str, str], Any]


def drive(ports: list[int], clients: int, seconds: float, seed: int,
          plan: Callable[[random.Random], Planned]) -> list[tuple[Sample, Any, dict]]:
    """K keep-alive clients, spread over the ports, each sending `plan(rng)` requests for
    `seconds`: every request's (sample, tag, answer body)."""
    results: list[tuple[Sample, Any, dict]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        port = ports[index % len(ports)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while time.monotonic() < stop_at:
            method, path, body, headers, tag = plan(rng)
            t0 = time.monotonic()
            try:
                status, data, _ = request(conn, method, path, body, headers)
                code = "" if status < 400 else str(data.get("error", {}).get("code", "?"))
            except (OSError, http.client.HTTPException) as exc:
                status, data, code = 0, {}, type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append((Sample(t0, time.monotonic() - t0, status, code), tag, data))
        conn.close()
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def http_load(customers: list[Customer], ports: list[int], clients: int, seconds: float, seed: int,
              low: int, high: int) -> LoadResult:
    def plan(rng: random.Random) -> Planned:
        payer, payee = rng.sample(customers, 2)
        key = uuid.uuid4().hex
        body = {"to_account": payee.number, "amount": random_amount(rng, low, high), "description": "bench"}
        headers = {"Authorization": f"Bearer {payer.token}", "Idempotency-Key": key}
        return "POST", "/api/transactions/transfer", body, headers, (payer, key, body)

    result = LoadResult()
    for sample, (payer, key, body), data in drive(ports, clients, seconds, seed, plan):
        result.samples.append(sample)
        if sample.status == 201:
            result.created.append((payer, key, body, data))
    return result


def http_read_load(customers: list[Customer], ports: list[int], clients: int, seconds: float, seed: int,
                   path: str = "/api/accounts/me") -> list[Sample]:
    """K clients doing an authenticated GET: the floor any authenticated endpoint pays here."""

    def plan(rng: random.Random) -> Planned:
        return "GET", path, None, {"Authorization": f"Bearer {rng.choice(customers).token}"}, None

    return [sample for sample, _tag, _data in drive(ports, clients, seconds, seed, plan)]


def replay_check(result: LoadResult, ports: list[int], count: int, seed: int) -> tuple[int, int]:
    """Resend `count` successful requests with their keys: each must replay the stored answer."""
    rng = random.Random(seed)
    picks = rng.sample(result.created, min(count, len(result.created)))
    ok = 0
    conn = http.client.HTTPConnection("127.0.0.1", ports[0], timeout=60)
    for payer, key, body, first in picks:
        status, data, response = request(conn, "POST", "/api/transactions/transfer", body,
                                         {"Authorization": f"Bearer {payer.token}", "Idempotency-Key": key})
        same = data.get("transaction", {}).get("id") == first["transaction"]["id"]
        if status == 201 and same and response.getheader("Idempotent-Replayed") == "true":
            ok += 1
    conn.close()
    return ok, len(picks)


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q / 100 * len(sorted_values)))]


# --- Raw SQL ---------------------------------------------------------------------------------------
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


# --- Ledger invariants -----------------------------------------------------------------------------
LEDGER_CHECKS = {
    "sum of all balances is not zero": "SELECT coalesce(sum(balance), 0) <> 0 FROM ledger_account",
    "accounts whose balance != sum of their entries": """SELECT count(*) FROM ledger_account a LEFT JOIN
        (SELECT account_id, sum(amount) AS s FROM ledger_entry GROUP BY account_id) e ON e.account_id = a.id
        WHERE a.balance <> coalesce(e.s, 0)""",
    "accounts whose last entry's balance_after != balance": """SELECT count(*) FROM ledger_account a JOIN
        (SELECT DISTINCT ON (account_id) account_id, balance_after FROM ledger_entry ORDER BY account_id, id DESC) e
        ON e.account_id = a.id WHERE a.balance <> e.balance_after""",
    "customer accounts negative or held out of range": """SELECT count(*) FROM ledger_account
        WHERE kind = 'customer' AND (balance < 0 OR held < 0 OR held > balance)""",
    "completed transactions whose entries do not sum to zero": """SELECT count(*) FROM (SELECT t.id FROM
        ledger_transaction t LEFT JOIN ledger_entry e ON e.transaction_id = t.id WHERE t.status = 'completed'
        GROUP BY t.id HAVING count(e.id) < 2 OR coalesce(sum(e.amount), 0) <> 0) bad""",
    "accounts whose held != sum of held transactions": """SELECT count(*) FROM ledger_account a WHERE a.held <>
        coalesce((SELECT sum(amount) FROM ledger_transaction t WHERE t.payer_account_id = a.id AND t.status = 'held'), 0)""",
    "entries on transactions that moved no money": """SELECT count(*) FROM ledger_entry e JOIN ledger_transaction t
        ON t.id = e.transaction_id WHERE t.status IN ('pending', 'held', 'declined')""",
}


def ledger_violations(url: str) -> list[str]:
    found = []
    with psycopg.connect(url) as conn:
        for label, sql in LEDGER_CHECKS.items():
            (value,) = conn.execute(sql).fetchone()
            if value:
                found.append(f"{label}: {value}")
    return found


def count_transfers(url: str, channel: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT count(*) FROM ledger_transaction WHERE kind = 'transfer' AND status = 'completed' AND channel = %s",
            (channel,)).fetchone()[0]


def db_activity(url: str) -> dict[str, int]:
    """Cumulative sessions opened and transactions committed/rolled back in the database."""
    time.sleep(1.0)  # backends flush their statistics about once a second
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT sessions, xact_commit, xact_rollback FROM pg_stat_database WHERE datname = %s",
                           (db_name(url),)).fetchone()
    return {"sessions": row[0], "commits": row[1], "rollbacks": row[2]}


def activity_line(before: dict[str, int], after: dict[str, int], ops: int) -> str:
    return ", ".join(f"{(after[k] - before[k]) / max(ops, 1):.2f} {k}" for k in before) + " per operation"


def check_ledger_command(env: dict[str, str]) -> tuple[int, str] | None:
    if not (ROOT / "ledger" / "management" / "commands" / "check_ledger.py").exists():
        return None
    done = manage(env, "check_ledger", check=False)
    return done.returncode, (done.stdout + (done.stderr if done.returncode else "")).strip()


# --- CPU accounting --------------------------------------------------------------------------------
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
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (db_name(self.url),))]
        for pid in pids:
            cpu = proc_cpu(pid)
            if cpu:
                self.first.setdefault(pid, cpu if initial else 0.0)
                self.last[pid] = cpu

    def _loop(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
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


# --- Profile ---------------------------------------------------------------------------------------
SELF_BUCKETS = [  # leaf frame's file -> bucket (first match)
    ("psycopg", "psycopg (driver: execute, fetch, adapt, connect)"),
    ("rest_framework_simplejwt", "JWT (simplejwt + PyJWT)"), ("/jwt/", "JWT (simplejwt + PyJWT)"),
    ("django/db/backends", "Django DB backend (cursor wrappers, connection setup/close)"),
    ("django/db/models/sql", "Django ORM: SQL compilation"),
    ("django/db", "Django ORM: querysets, model instances"),
    ("rest_framework", "DRF (request, serializers, renderers)"),
    ("django/", "Django core (handlers, middleware, signals, urls)"),
    ("daphne", "daphne/Twisted (HTTP server, event loop)"), ("twisted", "daphne/Twisted (HTTP server, event loop)"),
    ("autobahn", "daphne/Twisted (HTTP server, event loop)"), ("asyncio", "asyncio"),
    ("uvicorn", "uvicorn/uvloop/httptools (HTTP server, event loop)"),
    ("uvloop", "uvicorn/uvloop/httptools (HTTP server, event loop)"),
    ("httptools", "uvicorn/uvloop/httptools (HTTP server, event loop)"),
    ("asgiref", "asgiref (sync/async bridge, per-request threads)"), ("channels", "channels"),
    ("/concurrent/", "threads (executor, thread start)"), ("threading.py", "threads (executor, thread start)"),
    ("/fraud/", "fraud scorer"), ("/ledger/", "SecureBank ledger code"), ("/securebank/", "SecureBank project code"),
    ("/accounts/", "SecureBank accounts code"), ("/payments/", "SecureBank payments code"),
]
INCLUSIVE = [  # (label, function name, file substring): samples with that frame anywhere on the stack
    ("request threads (sync Django/DRF path; the rest is the event loop)", "thread_handler", "asgiref"),
    ("  JWT authentication (decode + user query)", "authenticate", "rest_framework_simplejwt"),
    ("  DB connection checkout/open", "connect", "django/db/backends/base"),
    ("  input validation (TransferInput)", "is_valid", "rest_framework/serializers"),
    ("  idempotent_execute (one transaction: key, money, answer; commit hooks)", "idempotent_execute", "ledger/idempotency"),
    ("    key insert", "_insert", "ledger/idempotency"),
    ("    payee lookup", "account_payee_by_number", "ledger/selectors"),
    ("    transfer_create (whole atomic block, commit hooks included)", "transfer_create", "ledger/services"),
    ("      accounts_lock (SELECT FOR UPDATE)", "accounts_lock", "ledger/services"),
    ("      daily_outgoing_total (limit aggregate)", "daily_outgoing_total", "ledger/selectors"),
    ("      risk assessor (fraud)", "assess", "fraud/"),
    ("      insert_with_unique (savepoint + insert)", "insert_with_unique", "ledger/services"),
    ("      entries_write (balances update + entries)", "entries_write", "ledger/services"),
    ("    on_commit: transaction_committed receivers", "send", "ledger/services"),
    ("    response body (transfer_result)", "transfer_result", "ledger/presenters"),
    ("  JSON rendering", "render", "rest_framework/renderers"),
]


def profile_summary(paths: list[Path], rate: int, cpu_ms_per_op: float) -> str:
    """Samples of the thread holding the GIL, by layer and by request step. Under CPU contention a
    thread can hold the GIL while descheduled, so shares are the figure to read; the ms column is
    each share of the servers' measured CPU per request."""
    self_counts: Counter = Counter()
    inclusive: Counter = Counter()
    total = 0
    frame_re = re.compile(r"^(?P<func>\S+) \((?P<file>[^:]*)")
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            total += count
            frames = [m.groupdict() for f in stack.split(";") if (m := frame_re.match(f.strip()))]
            leaf = frames[-1]["file"] if frames else ""
            bucket = next((label for needle, label in SELF_BUCKETS if needle in leaf), "Python stdlib / other")
            self_counts[bucket] += count
            for label, func, needle in INCLUSIVE:
                if any(f["func"].rsplit(".", 1)[-1] == func and needle in f["file"] for f in frames):
                    inclusive[label] += count
    if not total:
        return "profile: no samples"
    out = [f"profile: {total} samples of the GIL-holding thread at {rate} Hz; ms = share of the servers' "
           f"{cpu_ms_per_op:.2f} ms CPU per request", "  self time by layer (leaf frame):"]
    out += [f"    {100 * n / total:5.1f}%  {label}" for label, n in self_counts.most_common()]
    per_op = cpu_ms_per_op / total
    out.append("  inclusive time of the request's steps (% of samples, ms per request):")
    out += [f"    {100 * inclusive[label] / total:5.1f}% {inclusive[label] * per_op:6.2f} ms  {label}"
            for label, _, _ in INCLUSIVE]
    return "\n".join(out)


# --- Main ------------------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/securebank_bench")
    p.add_argument("--users", type=int, default=200, help="customers (N), default 200")
    p.add_argument("--http-logins", type=int, default=20,
                   help="customers logged in over HTTP (Argon2 each); the others get the same token from the registration step")
    p.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients and raw-SQL connections (K)")
    p.add_argument("--duration", type=float, default=30, help="seconds of measured load per phase (T)")
    p.add_argument("--warmup", type=float, default=3, help="seconds of unmeasured HTTP load first")
    p.add_argument("--workers", type=int, default=1, help="server processes on consecutive ports")
    p.add_argument("--server", choices=["daphne", "uvicorn", "serve"], default="daphne",
                   help="daphne or uvicorn: one process per port (--workers ports); serve: `manage.py serve "
                        "--workers N`, the production command, N uvicorn processes on one port (N > 1 needs --redis-url)")
    p.add_argument("--port", type=int, default=8610)
    p.add_argument("--db-pool", action="store_true", help="DB_POOL=1 (psycopg connection pool)")
    p.add_argument("--redis-url", default="", help="REDIS_URL for the servers (default: in-memory layer/cache)")
    p.add_argument("--amount", default="1-50", help="random transfer amount range in rupees, default 1-50")
    p.add_argument("--fraud-model", default="auto",
                   help="auto (cached model, trained once), none (no model), or a saved model version directory")
    p.add_argument("--fraud-rows", type=int, default=100_000, help="generated rows when auto trains a model")
    p.add_argument("--velocity-limit", type=int, default=1000,
                   help="fraud velocity counts per hour and per day for the servers (default 1000: bench users pay "
                        "far faster than people; the rule still runs, reading each payer's rows of the run); "
                        "0 keeps the configured limits, which hold a bench user's 11th transfer in an hour")
    p.add_argument("--cache-dir", default=str(Path(tempfile.gettempdir()) / "securebank-bench"),
                   help="generated PaySim data and the trained bench model")
    p.add_argument("--replays", type=int, default=20, help="successful requests to resend with their key")
    p.add_argument("--profile", metavar="DIR", help="py-spy the servers during the measured window into DIR")
    p.add_argument("--profile-rate", type=int, default=200)
    p.add_argument("--skip-raw", action="store_true", help="HTTP phase only")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-floor", dest="floor", action="store_false",
                   help="skip the floor phase (K clients of authenticated GET /api/accounts/me for T seconds)")
    p.add_argument("--debug", action="store_true",
                   help="run the servers with DEBUG=1 (records every SQL statement; default: production settings)")
    return p.parse_args()


def server_env(args: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DB_POOL", "DJANGO_SETTINGS_MODULE"}}
    if args.debug:
        env["DEBUG"] = "1"
    else:  # production settings (what a bank runs): fresh secrets for this run only
        env.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="127.0.0.1,localhost",
                   QR_ENCRYPTION_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
                   CHAIN_SIGNING_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
                   PIN_HMAC_KEY=base64.b64encode(secrets.token_bytes(32)).decode())
    env.update(DATABASE_URL=args.database_url, THROTTLE_PAYMENTS="off", THROTTLE_LOGIN="off",
               THROTTLE_REGISTER="off", THROTTLE_VOICE="off", JWT_ACCESS_MINUTES="240",
               # the load's customers pay without a PIN; bench/pin.py measures the PIN check itself
               PIN_REQUIRED="0", LOG_LEVEL="WARNING",
               PYTHONUNBUFFERED="1")
    if args.velocity_limit:
        env.update(FRAUD_VELOCITY_HOUR_COUNT=str(args.velocity_limit), FRAUD_VELOCITY_DAY_COUNT=str(args.velocity_limit),
                   FRAUD_VELOCITY_HOUR_AMOUNT="1000000000.00", FRAUD_VELOCITY_DAY_AMOUNT="1000000000.00")
    if args.db_pool:
        env.update(DB_POOL="1", DB_POOL_MAX=str(max(args.clients // args.workers + 2, 4)))
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    return env


def run(args: argparse.Namespace, cleanup: list) -> int:
    low, high = (int(x) for x in args.amount.split("-"))
    env = server_env(args)
    figures: dict = {"command": " ".join(sys.argv)}
    t = time.monotonic()
    print(f"database {db_name(args.database_url)}: recreate + migrate ...", flush=True)
    db_recreate(args.database_url)
    manage(env, "migrate", "--noinput", "-v", "0")
    if (ROOT / "fraud" / "scoring.py").exists():
        figures["fraud_scorer"] = fraud_model_setup(env, args.fraud_model, Path(args.cache_dir), args.fraud_rows)
    else:
        figures["fraud_scorer"] = "placeholder in fraud/services.py (allows everything)"
    customers = users_create(env, args.database_url, args.users, args.http_logins)
    print(f"  {len(customers)} users registered ({time.monotonic() - t:.1f}s)", flush=True)

    log_dir = Path(tempfile.mkdtemp(prefix="securebank-bench-"))
    servers = Servers(env, args.port, args.workers, log_dir, args.server)
    cleanup.append(servers.stop)
    servers.start()
    print(f"{args.server} x{args.workers} on ports {servers.ports[0]}-{servers.ports[-1]} (DB_POOL={int(args.db_pool)}, "
          f"REDIS_URL={'set' if args.redis_url else 'unset'}, logs in {log_dir}); fraud scorer: {figures['fraud_scorer']}",
          flush=True)
    t = time.monotonic()
    login_all(customers, servers.ports, threads=min(args.clients, 4 * args.workers))
    print(f"  {min(args.http_logins, len(customers))} users logged in over HTTP ({time.monotonic() - t:.1f}s)", flush=True)

    idle = background_busy()
    print(f"  background load before the run: {100 * idle:.0f}% of {os.cpu_count()} CPUs busy", flush=True)
    figures["background_busy"] = round(idle, 3)
    if args.warmup > 0:
        warm = http_load(customers, servers.ports, args.clients, args.warmup, args.seed + 99, low, high)
    else:
        warm = LoadResult()
    samplers: list[subprocess.Popen] = []
    if args.profile and not (Path(PYTHON).parent / "py-spy").exists():
        raise SystemExit("--profile needs py-spy in the venv: .venv/bin/pip install py-spy")
    if args.profile:
        out_dir = Path(args.profile)
        out_dir.mkdir(parents=True, exist_ok=True)
        for proc, port in zip(servers.procs, servers.ports, strict=True):
            samplers.append(subprocess.Popen(
                [str(Path(PYTHON).parent / "py-spy"), "record", "--pid", str(proc.pid), "--subprocesses",
                 "--rate", str(args.profile_rate),
                 "--duration", str(int(args.duration)), "--format", "raw", "--gil", "--nonblocking",
                 "--output", str(out_dir / f"server-{port}.folded")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        cleanup.append(lambda: [s.kill() for s in samplers if s.poll() is None])
    print(f"HTTP: {args.clients} clients x {args.duration:.0f}s ...", flush=True)
    activity = db_activity(args.database_url)
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
    http_cost = (cpu["servers"] + pg_http) / max(ok, 1)
    print(f"  database: {activity_line(activity, db_activity(args.database_url), len(load.samples))}")
    print(f"  cpu per transfer (server + {'this database' if args.db_pool else 'all'} postgres backends): "
          f"{1000 * http_cost:.2f} ms -> ceiling on {os.cpu_count()} "
          f"dedicated CPUs ~{os.cpu_count() / http_cost:.0f} transfers/s")
    figures["http"] = {"transfers": ok, "requests": len(load.samples), "seconds": round(cpu["wall"], 2),
                       "transfers_per_s": round(rate, 1), "p50_ms": round(p50, 1), "p95_ms": round(p95, 1),
                       "p99_ms": round(p99, 1), "errors": errors, "cpu_s": {k: round(v, 2) for k, v in cpu.items()}}
    if args.profile:
        summary = profile_summary(sorted(Path(args.profile).glob("server-*.folded")), args.profile_rate,
                                  1000 * cpu["servers"] / max(ok, 1))
        print(summary)
        figures["profile"] = summary

    failed = False
    replayed, tried = replay_check(load, servers.ports, args.replays, args.seed)
    print(f"idempotent replays: {replayed}/{tried} returned the stored 201")
    failed |= replayed != tried
    floor_rate = floor_cost = None
    if args.floor:
        print(f"floor: {args.clients} clients x {args.duration:.0f}s of GET /api/accounts/me (JWT + 2 reads, no writes) ...",
              flush=True)
        window = CpuWindow(servers.pids(), args.database_url)
        window.begin()
        reads = http_read_load(customers, servers.ports, args.clients, args.duration, args.seed)
        floor_cpu = window.end()
        good = sum(1 for r in reads if r.status == 200)
        floor_rate = good / floor_cpu["wall"]
        floor_cost = (floor_cpu["servers"] + floor_cpu["postgres_db"]) / max(good, 1)
        print(f"  {good} answered 200 of {len(reads)} in {floor_cpu['wall']:.1f}s = {floor_rate:.1f} requests/s; "
              f"cpu: {cpu_line(floor_cpu, good)}")
        figures["floor"] = {"requests": len(reads), "ok": good, "per_s": round(floor_rate, 1),
                            "cpu_ms_per_op": round(1000 * floor_cost, 2)}
        failed |= good != len(reads)
    servers.stop()

    created = len(load.created) + len(warm.created)
    in_db = count_transfers(args.database_url, "api")
    print(f"ledger: {in_db} completed API transfers in the database, {created} HTTP 201s "
          f"{'(match)' if in_db == created else '(MISMATCH)'}")
    failed |= in_db != created
    violations = ledger_violations(args.database_url)
    print(f"ledger invariants (SQL): {'clean' if not violations else '; '.join(violations)}")
    failed |= bool(violations)
    command = check_ledger_command(env)
    if command is None:
        print("manage.py check_ledger: not in the tree yet (the SQL checks above stand in)")
    else:
        print(f"manage.py check_ledger: exit {command[0]}\n{command[1]}")
        failed |= command[0] != 0
    figures["ledger"] = {"violations": violations, "check_ledger": command and command[0], "replays_ok": f"{replayed}/{tried}"}

    if not args.skip_raw:
        print(f"raw SQL: {args.clients} connections x {args.duration:.0f}s ...", flush=True)
        activity = db_activity(args.database_url)
        window = CpuWindow([], args.database_url)
        window.begin()
        raw_ok, raw_errors = raw_load(args.database_url, customers, args.clients, args.duration, args.seed, low, high)
        raw_cpu = window.end()
        print(f"  database: {activity_line(activity, db_activity(args.database_url), raw_ok)}")
        raw_rate = raw_ok / raw_cpu["wall"]
        print(f"  {raw_ok} transactions in {raw_cpu['wall']:.1f}s = {raw_rate:.1f} transactions/s; "
              f"errors: {dict(raw_errors) or 'none'}")
        print(f"  cpu: {cpu_line(raw_cpu, raw_ok)}")
        raw_cost = (raw_cpu["client"] + raw_cpu["postgres_db"]) / max(raw_ok, 1)
        print(f"  cpu per transaction (psycopg client + this database's backends): {1000 * raw_cost:.2f} ms -> ceiling on "
              f"{os.cpu_count()} dedicated CPUs ~{os.cpu_count() / raw_cost:.0f}/s")
        violations = ledger_violations(args.database_url)
        print(f"ledger invariants after raw SQL: {'clean' if not violations else '; '.join(violations)}")
        failed |= bool(violations)
        ratio = rate / raw_rate if raw_rate else float("nan")
        print(f"RESULT: HTTP {rate:.1f} transfers/s vs raw SQL {raw_rate:.1f}/s = {100 * ratio:.1f}% "
              f"(target >= 25%) {'MET' if ratio >= 0.25 else 'NOT MET'}")
        print(f"  by CPU cost per operation (less sensitive to other load on the machine): HTTP is "
              f"{100 * raw_cost / http_cost:.1f}% of raw SQL")
        figures["cost_ratio"] = round(raw_cost / http_cost, 3)
        if floor_rate is not None:
            print(f"  floor: an authenticated GET /api/accounts/me ran at {floor_rate:.1f}/s = "
                  f"{100 * floor_rate / raw_rate:.1f}% of raw SQL (by CPU per operation "
                  f"{100 * raw_cost / floor_cost:.1f}%): no endpoint of this stack "
                  f"that authenticates can exceed it")
            figures["floor"]["ratio"] = round(floor_rate / raw_rate, 3)
        figures["raw"] = {"transactions": raw_ok, "per_s": round(raw_rate, 1), "errors": dict(raw_errors),
                          "cpu_s": {k: round(v, 2) for k, v in raw_cpu.items()}}
        figures["ratio"] = round(ratio, 3)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 1 if failed else 0


def main() -> int:
    args = parse_args()
    cleanup: list = []

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)  # also when started in the background with SIGINT ignored
    try:
        return run(args, cleanup)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except subprocess.CalledProcessError as exc:
        print(f"failed: {' '.join(exc.cmd[:4])}...\n{exc.stdout}\n{exc.stderr}", file=sys.stderr)
        return 1
    finally:
        for stop in reversed(cleanup):
            stop()


if __name__ == "__main__":
    sys.exit(main())
