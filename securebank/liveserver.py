"""Start real server processes (daphne or uvicorn) on 127.0.0.1 for end-to-end tests and benchmarks
(not a test module, so that a benchmark may import it)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from securebank.management.commands.serve import server_argv

# No proxies for loopback traffic, whatever the environment says.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database this process is connected to (the test database)."""
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path
    env: dict[str, str] = field(repr=False, default_factory=dict)

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop the server and delete its log (set KEEP_SERVER_LOGS=1 to keep it)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if not os.environ.get("KEEP_SERVER_LOGS"):
            self.log.unlink(missing_ok=True)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def rss_kib(self) -> int:
        """Resident memory of the server process (Linux /proc), in KiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0


def start_server(
    env_overrides: dict[str, str], *, port: int | None = None, timeout: float = 60, server: str = "daphne"
) -> Server:
    """One server process (daphne, or uvicorn as `manage.py serve` runs it) on 127.0.0.1:PORT,
    ready to serve."""
    port = port or free_port()
    env = {**os.environ, "DEBUG": "1", "PYTHONUNBUFFERED": "1", **env_overrides}
    log = Path(tempfile.mkstemp(prefix=f"{server}-{port}-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - fixed argv
            server_argv(server=server, host="127.0.0.1", port=port, workers=1),
            cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    started = Server(port=port, process=process, log=log, env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {process.returncode}:\n{started.log_tail()}")
        try:
            with HTTP.open(f"{started.http}/api/health", timeout=2) as response:
                response.read()
            return started
        except urllib.error.HTTPError:
            return started  # it answers (a 503 health is still a running server)
        except OSError:
            time.sleep(0.2)
    started.stop()
    raise RuntimeError(f"server on {port} did not start in {timeout}s:\n{started.log_tail()}")


def http_json(url: str, *, body: dict | None = None, token: str | None = None, headers: dict | None = None,
              timeout: float = 30) -> tuple[int, dict]:
    """POST (with a body) or GET JSON to a local server: (status, decoded body)."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("only local test servers")
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=all_headers, method="POST" if data else "GET")  # noqa: S310
    try:
        with HTTP.open(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@contextmanager
def servers_sharing_test_database(*specs: dict[str, Any]) -> Iterator[list[Server]]:
    """Server processes (one per `specs` item: `start_server` keyword arguments) on the pytest
    test database and Redis, payments unthrottled and always allowed by the risk assessor (the
    fan-out is under test, not fraud scoring); all stopped on exit."""
    from django.db import connection

    env = {
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
        "THROTTLE_PAYMENTS": "off",
        "LEDGER_RISK_ASSESSOR": "ledger.tests.assessors.Scripted",
    }
    servers: list[Server] = []
    try:
        for spec in specs:
            servers.append(start_server(env, **spec))
        yield servers
    finally:
        for server in servers:
            server.stop()
