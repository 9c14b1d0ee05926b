"""The server processes under test: their environment (production settings, fresh secrets),
start (one process per port, or `manage.py serve` with N workers on one port), health wait and
stop."""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import secrets
import subprocess
import time
from pathlib import Path

from bench.transfer_phases.database import PYTHON, ROOT
from bench.transfer_phases.http_load import request


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

