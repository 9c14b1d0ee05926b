#!/usr/bin/env python
"""SecureBank under faults: nothing acknowledged is lost, nothing is done twice.

    .venv/bin/python bench/faults.py [--seconds 30] [--clients 16] [--scenarios kill,postgres,redis,workers]
    .venv/bin/python bench/faults.py --scenarios postgres --db-pool --pg-port 18520 --redis-port 18521 --http-port 18522

Runs against its own throwaway services, never the machine's: a PostgreSQL cluster initdb'd under
/tmp and started on port 5433, and a Redis on port 6390 (both stopped at the end; --pg-port and
--redis-port move them). Servers use port 5200 (--http-port), without the connection pool unless
--db-pool. Each scenario starts from a fresh database with 32 funded customers.

- kill: 16 clients send keyed transfers (POST /api/transactions/transfer + Idempotency-Key) and
  retry each request with its key until it gets an answer; the server is killed with SIGKILL at
  three random moments and restarted.
- postgres: PostgreSQL is stopped mid-load for a few seconds and started again.
- redis: Redis is stopped mid-load, then started again; a WebSocket opened after it is back
  must receive a new payment's event.
- workers: the miner (mine_blocks --loop) and the sweepers (release_expired_holds,
  expire_requests) are killed with SIGKILL mid-batch, three times, and restarted.

After each: every acknowledged (201/202) transfer is in the ledger exactly once under its key,
no key made two transactions, the money total is conserved, `check_ledger` is clean, and (after
mining) `verify_chain` passes with every completed transaction sealed exactly once. Figures:
requests, acknowledged, retries, statuses, anomalies (must be 0).
"""

from __future__ import annotations

import argparse
import glob
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.transfer_phases.database import PYTHON, ROOT, manage, users_create  # noqa: E402
from bench.transfer_phases.http_load import request  # noqa: E402

PG_PORT, REDIS_PORT, HTTP_PORT = 5433, 6390, 5200
PG_DIR = Path("/tmp/sb-faults-pg")
DB = "securebank_faults"
DB_URL = f"postgres://postgres@127.0.0.1:{PG_PORT}/{DB}"
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}/0"


def ports_use(pg_port: int, redis_port: int) -> None:
    """Private services on other ports (--pg-port, --redis-port): a cluster directory of its own
    per port, so that two runs on one machine never share a cluster."""
    global PG_PORT, REDIS_PORT, PG_DIR, DB_URL, REDIS_URL  # noqa: PLW0603 - read by every scenario
    if pg_port != PG_PORT:
        PG_DIR = Path(f"/tmp/sb-faults-pg-{pg_port}")
    PG_PORT, REDIS_PORT = pg_port, redis_port
    DB_URL = f"postgres://postgres@127.0.0.1:{PG_PORT}/{DB}"
    REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}/0"
COMMON_SHAPE = {"code", "message", "fields"}


# --- Private services --------------------------------------------------------------------------
def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise SystemExit(f"faults: no {name} under /usr/lib/postgresql/*/bin")
    return found[-1]


def as_postgres(*cmd: str) -> None:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *cmd], check=True, capture_output=True)


def pg_start() -> None:
    if not (PG_DIR / "PG_VERSION").exists():
        shutil.rmtree(PG_DIR, ignore_errors=True)
        PG_DIR.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(PG_DIR, "postgres", "postgres")
        as_postgres(pg_bin("initdb"), "-D", str(PG_DIR), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    as_postgres(pg_bin("pg_ctl"), "-D", str(PG_DIR), "-w", "-l", str(PG_DIR / "server.log"),
                "-o", f"-p {PG_PORT} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off", "start")


def pg_stop(mode: str = "fast") -> None:
    as_postgres(pg_bin("pg_ctl"), "-D", str(PG_DIR), "-w", "-m", mode, "stop")


def redis_start() -> None:
    subprocess.run(["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--daemonize", "yes",
                    "--save", "", "--appendonly", "no", "--pidfile", f"/tmp/sb-faults-redis-{REDIS_PORT}.pid"],
                   check=True, capture_output=True)
    for _ in range(50):
        if subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)


def redis_stop() -> None:
    subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave"], capture_output=True)


def db_fresh() -> None:
    with psycopg.connect(f"postgres://postgres@127.0.0.1:{PG_PORT}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")


def server_env(db_pool: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DB_POOL"}}
    if db_pool:  # the production setting: pooled connections must survive the restart too
        env["DB_POOL"] = "1"
    env.update(DEBUG="1", DATABASE_URL=DB_URL, REDIS_URL=REDIS_URL, THROTTLE_PAYMENTS="off", THROTTLE_LOGIN="off",
               THROTTLE_REGISTER="off", THROTTLE_VOICE="off", JWT_ACCESS_MINUTES="240", LOG_LEVEL="WARNING",
               PYTHONUNBUFFERED="1", FRAUD_VELOCITY_HOUR_COUNT="100000", FRAUD_VELOCITY_DAY_COUNT="100000",
               FRAUD_VELOCITY_HOUR_AMOUNT="1000000000.00", FRAUD_VELOCITY_DAY_AMOUNT="1000000000.00",
               DB_CONNECT_TIMEOUT="2",
               # The clients send no UPI PIN (docs/pin.md): what is under test is the ledger.
               PIN_REQUIRED="0")
    return env


WORKERS_STARTED: list[subprocess.Popen] = []


class Server:
    started: list[subprocess.Popen] = []

    def __init__(self, env: dict[str, str], port: int, log: Path):
        self.env, self.port, self.log, self.proc = env, port, log, None

    def start(self) -> None:
        try:  # a stray server on the port would answer for ours and void every figure
            http.client.HTTPConnection("127.0.0.1", self.port, timeout=1).connect()
            raise RuntimeError(f"port {self.port} is already in use")
        except ConnectionRefusedError:
            pass
        out = open(self.log, "a")  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen([PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
                                      "securebank.asgi:application"], cwd=ROOT, env=self.env, stdout=out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        Server.started.append(self.proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited: see {self.log}")
                if request(http.client.HTTPConnection("127.0.0.1", self.port, timeout=2), "GET", "/api/health/live")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def kill9(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill9()


# --- Load: keyed transfers, each retried with its key until it gets an answer -------------------
@dataclass
class Load:
    requests: int = 0
    retries: int = 0
    statuses: Counter = field(default_factory=Counter)
    acked: list[tuple[str, str, str, str]] = field(default_factory=list)  # (username, key, txn id, amount)
    bad_5xx: list[str] = field(default_factory=list)  # 5xx not in the common shape, or any 500
    slowest: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def drive(customers: list, port: int, clients: int, seconds: float, seed: int) -> tuple[Load, list[threading.Thread]]:
    load = Load()
    stop_at = time.monotonic() + seconds

    def client(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        while time.monotonic() < stop_at:
            payer, payee = rng.sample(customers, 2)
            key = uuid.uuid4().hex
            body = {"to_account": payee.number, "amount": f"{rng.randint(1, 500)}.{rng.randint(0, 99):02d}", "description": "faults"}
            headers = {"Authorization": f"Bearer {payer.token}", "Idempotency-Key": key}
            attempt = 0
            while True:  # the same key until an answer that is not "try again"
                attempt += 1
                started = time.monotonic()
                try:
                    status, data, _ = request(conn, "POST", "/api/transactions/transfer", body, headers)
                except (OSError, http.client.HTTPException):
                    status, data = 0, {}
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
                elapsed = time.monotonic() - started
                with load.lock:
                    load.requests += 1
                    load.retries += attempt > 1
                    load.statuses[status] += 1
                    load.slowest = max(load.slowest, elapsed)
                    if status >= 500 and (status == 500 or set(data.get("error", {})) != COMMON_SHAPE):
                        load.bad_5xx.append(f"{status} {json.dumps(data)[:200]}")
                    if status in (201, 202):
                        load.acked.append((payer.username, key, str(data.get("id") or data.get("transaction", {}).get("id")), body["amount"]))
                if status and status != 503 and status != 409 or time.monotonic() > stop_at + 60:
                    break
                time.sleep(0.2)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    return load, threads


def finish(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.join()


# --- What must hold afterwards ---------------------------------------------------------------------
def audit(env: dict[str, str], load: Load, opening_total: Decimal, *, mine: bool = True) -> dict:
    anomalies: list[str] = list(load.bad_5xx)
    if not load.acked:  # a run that moved no money proves nothing (a 4xx on every request)
        anomalies.append(f"no transfer acknowledged: statuses {dict(sorted(load.statuses.items()))}")
    with psycopg.connect(DB_URL) as conn:
        keys = {(u, k): str(t) for u, k, t in conn.execute(
            "SELECT u.username, i.key, i.transaction_id FROM ledger_idempotencykey i JOIN accounts_user u ON u.id = i.user_id")}
        for username, key, txn, _amount in load.acked:
            if keys.get((username, key)) != txn:
                anomalies.append(f"acknowledged {username}/{key} -> {txn} not recorded under its key ({keys.get((username, key))})")
        acked_ids = [t for _, _, t, _ in load.acked]
        if len(set(acked_ids)) != len(acked_ids):
            anomalies.append("one transaction acknowledged for two keys")
        found = {str(r[0]) for r in conn.execute("SELECT id FROM ledger_transaction WHERE id::text = ANY(%s)", (acked_ids,))}
        anomalies += [f"acknowledged transaction {t} missing" for t in set(acked_ids) - found]
        keyed = conn.execute("SELECT count(*), count(DISTINCT transaction_id) FROM ledger_idempotencykey WHERE transaction_id IS NOT NULL").fetchone()
        if keyed[0] != keyed[1]:
            anomalies.append(f"{keyed[0] - keyed[1]} keys share a transaction")
        transfers = conn.execute("SELECT count(*) FROM ledger_transaction WHERE description = 'faults'").fetchone()[0]
        if transfers != keyed[0]:
            anomalies.append(f"{transfers} transfers but {keyed[0]} keys with a transaction (a key made two, or one has none)")
        total = conn.execute("SELECT sum(balance) FROM ledger_account").fetchone()[0]
        if Decimal(total) != opening_total:
            anomalies.append(f"money total {total} != {opening_total}")
    ledger = manage(env, "check_ledger", check=False)
    if ledger.returncode != 0:
        anomalies.append("check_ledger: " + (ledger.stdout + ledger.stderr).strip().splitlines()[-1][:200])
    chain = None
    if mine:
        manage(env, "mine_blocks", "--once")
        verify = manage(env, "verify_chain", "--quiet", check=False)
        chain = verify.returncode == 0
        if not chain:
            anomalies.append("verify_chain: " + (verify.stdout + verify.stderr).strip().splitlines()[-1][:200])
        with psycopg.connect(DB_URL) as conn:
            unsealed, twice = conn.execute(
                "SELECT (SELECT count(*) FROM ledger_transaction t WHERE t.status = 'completed' AND NOT EXISTS "
                "(SELECT 1 FROM chain_seal s WHERE s.transaction_id = t.id)), "
                "(SELECT count(*) - count(DISTINCT transaction_id) FROM chain_seal)").fetchone()
        if unsealed or twice:
            anomalies.append(f"chain: {unsealed} completed transactions unsealed, {twice} sealed twice")
    return {"anomalies": anomalies, "verify_chain": chain, "transfers_in_ledger": transfers}


def setup(env: dict[str, str], users: int) -> tuple[list, Decimal]:
    db_fresh()
    manage(env, "migrate", "--noinput", "-v", "0")
    customers = users_create(env, DB_URL, users, 0)
    with psycopg.connect(DB_URL) as conn:
        total = Decimal(conn.execute("SELECT sum(balance) FROM ledger_account").fetchone()[0])
    return customers, total


def figures(name: str, load: Load, result: dict, **extra: object) -> dict:
    row = {"scenario": name, "requests": load.requests, "acknowledged": len(load.acked), "retries": load.retries,
           "statuses": dict(sorted(load.statuses.items())), "slowest_s": round(load.slowest, 2),
           "anomalies": len(result["anomalies"]), **extra, "verify_chain": result["verify_chain"]}
    print(json.dumps(row))
    for line in result["anomalies"][:20]:
        print(f"  anomaly: {line}")
    return row


# --- Scenarios ---------------------------------------------------------------------------------------
def scenario_kill(env: dict, args: argparse.Namespace, log: Path) -> dict:
    customers, total = setup(env, args.users)
    server = Server(env, HTTP_PORT, log)
    server.start()
    rng = random.Random(args.seed)
    # One random moment in each third of the run (the server needs a few seconds to come back).
    moments = [rng.uniform(0.1 + i * 0.28, 0.3 + i * 0.28) * args.seconds for i in range(3)]
    load, threads = drive(customers, HTTP_PORT, args.clients, args.seconds, args.seed)
    began = time.monotonic()
    for moment in moments:
        time.sleep(max(0.0, began + moment - time.monotonic()))
        server.kill9()
        time.sleep(0.5)
        server.start()
    finish(threads)
    server.stop()
    return figures("kill -9 x3", load, audit(env, load, total), kills=[round(m, 1) for m in moments])


def health_status(port: int, path: str = "/api/health") -> tuple[int, str]:
    try:
        status, data, _ = request(http.client.HTTPConnection("127.0.0.1", port, timeout=10), "GET", path)
        return status, data.get("status", "?")
    except OSError:
        return 0, "no answer"


def scenario_postgres(env: dict, args: argparse.Namespace, log: Path) -> dict:
    customers, total = setup(env, args.users)
    server = Server(env, HTTP_PORT, log)
    server.start()
    load, threads = drive(customers, HTTP_PORT, args.clients, args.seconds, args.seed)
    time.sleep(args.seconds * 0.3)
    pg_stop("fast")
    down_at = time.monotonic()
    time.sleep(1.0)
    during = [health_status(HTTP_PORT), health_status(HTTP_PORT, "/api/health/ready"), health_status(HTTP_PORT, "/api/health/live")]
    time.sleep(max(0.0, 5.0 - (time.monotonic() - down_at)))
    pg_start()
    outage = time.monotonic() - down_at
    # Right after the restart, one request after another, more than a pool holds: each takes the
    # next connection, so with DB_POOL=1 every pooled connection the restart killed is handed to
    # a request (or refused by the pool's check first). None may fail.
    reads = [authed_get(HTTP_PORT, customers[i % len(customers)].token) for i in range(48)]
    finish(threads)
    after = health_status(HTTP_PORT)
    server.stop()
    return figures("postgres restart", load, audit(env, load, total), outage_s=round(outage, 1),
                   health_during=during, health_after=after,
                   reads_after_restart=f"{reads.count(200)}/{len(reads)} answered 200")


def authed_get(port: int, token: str, path: str = "/api/accounts/me") -> int:
    try:
        return request(http.client.HTTPConnection("127.0.0.1", port, timeout=10), "GET", path,
                       headers={"Authorization": f"Bearer {token}"})[0]
    except OSError:
        return 0


def ws_receives_event(port: int, receiver, sender) -> bool:
    from websockets.sync.client import connect

    # Origin: main refuses sockets without one (a separate fix lets Origin-less clients in).
    with connect(f"ws://127.0.0.1:{port}/ws/notifications/?token={receiver.token}", open_timeout=10,
                 origin="http://localhost:5173") as ws:
        time.sleep(0.5)
        status, _, _ = request(http.client.HTTPConnection("127.0.0.1", port, timeout=20), "POST", "/api/transactions/transfer",
                               {"to_account": receiver.number, "amount": "1.00", "description": "faults"},
                               {"Authorization": f"Bearer {sender.token}", "Idempotency-Key": uuid.uuid4().hex})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            except TimeoutError:
                break
            if message.get("type") in {"payment_received", "notification", "balance_update"}:
                return status in (201, 202)
    return False


def scenario_redis(env: dict, args: argparse.Namespace, log: Path) -> dict:
    customers, total = setup(env, args.users)
    server = Server(env, HTTP_PORT, log)
    server.start()
    with psycopg.connect(DB_URL) as conn:
        notes_before = conn.execute("SELECT count(*) FROM payments_notification").fetchone()[0]
    load, threads = drive(customers, HTTP_PORT, args.clients, args.seconds, args.seed)
    time.sleep(args.seconds * 0.25)
    acked_before = len(load.acked)
    redis_stop()
    time.sleep(1.0)
    during = [health_status(HTTP_PORT), health_status(HTTP_PORT, "/api/health/ready")]
    time.sleep(args.seconds * 0.35)
    acked_during = len(load.acked) - acked_before
    redis_start()
    finish(threads)
    time.sleep(1.0)
    after = health_status(HTTP_PORT)
    socket_ok = ws_receives_event(HTTP_PORT, customers[0], customers[1])
    with psycopg.connect(DB_URL) as conn:
        notes = conn.execute("SELECT count(*) FROM payments_notification").fetchone()[0] - notes_before
    server.stop()
    result = audit(env, load, total)  # the socket check's own transfer is keyed too, so it is audited
    if not socket_ok:
        result["anomalies"].append("a socket opened after Redis came back received no event")
    if acked_during == 0:
        result["anomalies"].append("no payment acknowledged while Redis was down")
    return figures("redis stop", load, result, acked_while_down=acked_during, notifications_stored=notes,
                   health_during=during, health_after=after, socket_after_restart=socket_ok)


def scenario_workers(env: dict, args: argparse.Namespace, log: Path) -> dict:
    customers, total = setup(env, args.users)
    server = Server(env, HTTP_PORT, log)
    server.start()
    worker_cmds = [["mine_blocks", "--loop", "--interval", "0.2", "--max-tx", "50"],
                   ["release_expired_holds", "--loop", "--interval", "1"], ["expire_requests", "--loop", "--interval", "1"]]
    # Their own file: their progress lines, apart from the server's access log.
    out = open(log.with_suffix(".workers.log"), "a")  # noqa: SIM115

    def spawn() -> list[subprocess.Popen]:
        WORKERS_STARTED.extend(procs := [subprocess.Popen([PYTHON, "manage.py", *cmd], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True) for cmd in worker_cmds])
        return procs

    workers = spawn()
    rng = random.Random(args.seed + 7)
    moments = [rng.uniform(0.15 + i * 0.27, 0.35 + i * 0.27) * args.seconds for i in range(3)]
    load, threads = drive(customers, HTTP_PORT, args.clients, args.seconds, args.seed)
    began = time.monotonic()
    for moment in moments:
        time.sleep(max(0.0, began + moment - time.monotonic()))
        for proc in workers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        workers = spawn()
    finish(threads)
    for proc in workers:
        proc.terminate()
        proc.wait()
    server.stop()
    with psycopg.connect(DB_URL) as conn:
        blocks = conn.execute("SELECT count(*) FROM chain_block").fetchone()[0]
    return figures("miner + sweepers kill -9 x3", load, audit(env, load, total), kills=[round(m, 1) for m in moments],
                   blocks_before_final_mining=blocks)


SCENARIOS = {"kill": scenario_kill, "postgres": scenario_postgres, "redis": scenario_redis, "workers": scenario_workers}


def main() -> int:
    global HTTP_PORT  # noqa: PLW0603 - --http-port; read by every scenario
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--users", type=int, default=32)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--scenarios", default="kill,postgres,redis,workers")
    p.add_argument("--json", default="", help="also write the figures here")
    p.add_argument("--http-port", type=int, default=HTTP_PORT, help=f"the server's port (default {HTTP_PORT})")
    p.add_argument("--pg-port", type=int, default=PG_PORT, help=f"the private PostgreSQL's port (default {PG_PORT})")
    p.add_argument("--redis-port", type=int, default=REDIS_PORT, help=f"the private Redis's port (default {REDIS_PORT})")
    p.add_argument("--db-pool", action="store_true", help="servers use the psycopg pool (DB_POOL=1)")
    args = p.parse_args()
    HTTP_PORT = args.http_port
    ports_use(args.pg_port, args.redis_port)
    log_dir = Path("/tmp/sb-faults-logs")
    log_dir.mkdir(exist_ok=True)
    env = server_env(args.db_pool)
    pg_start()
    redis_start()
    rows = []
    try:
        for name in args.scenarios.split(","):
            rows.append(SCENARIOS[name](env, args, log_dir / f"{name}.log"))
    finally:
        # A scenario that failed half-way may leave its server or workers running: end the ones
        # this run started (their own process groups), nothing else.
        for proc in Server.started + WORKERS_STARTED:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        redis_stop()
        try:
            pg_stop()
        except subprocess.CalledProcessError:
            pass
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    bad = sum(r["anomalies"] for r in rows)
    print(f"faults: {len(rows)} scenarios, {bad} anomalies")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
