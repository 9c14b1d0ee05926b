"""Serve HTTP + WebSocket + Socket.IO on one port, with the background workers beside it.

The production server is uvicorn (uvloop, httptools) with `--workers N` processes sharing the
listening socket: measured against daphne with `bench/transfers.py` (README, "Serving";
bench/results_transfers.md). daphne stays the development server (`runserver`) and an option
(`--server daphne`, one process).

Workers (the chain miner, say) run as child processes of this command and stop with it, so
`make run` is one command on a laptop. In production run `serve --no-workers` and each worker
under a process supervisor instead (README, "Scaling out").
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# manage.py arguments of each worker started beside the server; apps add theirs here.
SIDECARS: list[list[str]] = [
    ["expire_requests", "--loop", "--interval", "60"],  # payments: expire money requests, notify both parties
    ["mine_blocks", "--loop", "--interval", "2"],  # chain: seal completed transactions into signed blocks
    ["release_expired_holds", "--loop", "--interval", "300"],  # fraud: release holds nobody reviewed in time
    ["push_outbox", "--loop", "--interval", "2"],  # notifications: re-send those whose push was lost
    ["fill_summary_rollup", "--loop", "--interval", "900"],  # ledger: roll up closed days before customers read them
]

APPLICATION = "securebank.asgi:application"


def layer_is_shared() -> bool:
    """True when the channel layer carries events between processes (Redis); the in-memory
    layer only reaches sockets of the process that sent the event."""
    backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", "")
    return not backend.startswith("channels.layers.")


def default_workers() -> int:
    """One process per CPU in production on a shared layer; one otherwise (`make run`)."""
    if settings.DEBUG or not layer_is_shared():
        return 1
    return os.cpu_count() or 1


def server_argv(*, server: str, host: str, port: int, workers: int) -> list[str]:
    """The server's command line (tested: the flags are part of the deployment's contract)."""
    if server == "daphne":
        return [sys.executable, "-m", "daphne", "-b", host, "-p", str(port), APPLICATION]
    return [
        sys.executable, "-m", "uvicorn", APPLICATION, "--host", host, "--port", str(port),
        "--workers", str(workers), "--loop", "uvloop", "--http", "httptools", "--ws", "websockets-sansio",
        # Django and Channels have no lifespan handlers; "auto" would log a failed startup probe.
        "--lifespan", "off",
        # Client addresses stay the peer's: the app reads X-Forwarded-For itself, and only as
        # far as TRUSTED_PROXY_COUNT says (throttles), as under daphne.
        "--no-proxy-headers", "--no-server-header",
        # Longer than a load balancer's idle timeout (60 s on the common ones), so the balancer,
        # not the server, closes idle keep-alive connections and never sends on a closing one.
        "--timeout-keep-alive", "75",
        # Per-request and per-socket lines at INFO would be a log line per request; errors stay.
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip


class Command(BaseCommand):
    help = "Serve HTTP + WebSocket on HOST:PORT (uvicorn, N processes) with the background workers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 - a server listens on all interfaces
        parser.add_argument("--port", type=int, default=5000)
        parser.add_argument("--server", choices=["uvicorn", "daphne"], default="uvicorn")
        parser.add_argument(
            "--workers", type=int, default=None,
            help="server processes on the one port (default: the number of CPUs in production with "
                 "REDIS_URL set, else 1); more than 1 needs REDIS_URL",
        )  # fmt: skip
        parser.add_argument("--no-workers", action="store_true", help="serve only, no background workers")

    def handle(self, *args, **options) -> None:
        workers = options["workers"]
        if workers is None:
            workers = default_workers() if options["server"] == "uvicorn" else 1
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        if workers > 1 and not layer_is_shared():
            # An event sent in one process would never reach a socket held by another.
            raise CommandError(
                f"--workers {workers} needs a channel layer shared between processes: set REDIS_URL "
                "(the in-memory layer only reaches the sockets of its own process)"
            )
        if workers > 1 and options["server"] == "daphne":
            raise CommandError("daphne serves one process per port: use --server uvicorn for --workers > 1")
        if workers > 1:
            # Measured: of 100 polling sessions on 2 processes, 65 saw their second request land
            # on the other process and refused (docs/scaling.md).
            self.stderr.write(
                "serve: note: Socket.IO long-polling keeps its session in one process; with several "
                "processes on one port, Socket.IO clients must connect with transports: ['websocket'] "
                "(the native /ws/ socket is unaffected)"
            )
        if workers > 1 and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            self.stderr.write("serve: warning: several processes on SQLite serialize on its write lock; use PostgreSQL")

        manage = str(Path(settings.BASE_DIR) / "manage.py")
        children: list[subprocess.Popen] = []
        if not options["no_workers"]:
            for argv in SIDECARS:
                self.stdout.write(f"serve: starting worker: manage.py {' '.join(argv)}")
                children.append(subprocess.Popen([sys.executable, manage, *argv]))  # noqa: S603
        self.stdout.write(f"serve: {options['server']} x{workers} on {options['host']}:{options['port']}")
        self.stdout.flush()
        argv = server_argv(server=options["server"], host=options["host"], port=options["port"], workers=workers)
        server = subprocess.Popen(argv)  # noqa: S603

        stopping: list[bool] = []

        def stop() -> None:
            for proc in [server, *children]:
                if proc.poll() is None:
                    proc.terminate()

        def on_signal(*_args: object) -> None:
            stopping.append(True)
            stop()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        try:
            code = server.wait()
        finally:
            stop()
            for proc in children:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if stopping and code in {0, -signal.SIGTERM, -signal.SIGINT}:
            # Asked to stop, and stopped: uvicorn re-raises the signal it shut down on.
            code = 0
        raise SystemExit(code)
