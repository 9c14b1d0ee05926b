"""Serve HTTP + WebSocket with daphne, with the background workers beside it.

Workers (the chain miner, say) run as child processes of this command and stop with it, so
`make run` is one command on a laptop. In production run daphne and each worker under a
process supervisor instead (README, "Scaling out").
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

# manage.py arguments of each worker started beside the server; apps add theirs here.
SIDECARS: list[list[str]] = [
    ["expire_requests", "--loop", "--interval", "60"],  # payments: expire money requests, notify both parties
    ["mine_blocks", "--loop", "--interval", "2"],  # chain: seal completed transactions into signed blocks
    ["release_expired_holds", "--loop", "--interval", "300"],  # fraud: release holds nobody reviewed in time
    ["push_outbox", "--loop", "--interval", "2"],  # payments: re-send notifications whose push was lost
]


class Command(BaseCommand):
    help = "Run daphne on HOST:PORT with the background workers (chain miner)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 - a server listens on all interfaces
        parser.add_argument("--port", type=int, default=5000)
        parser.add_argument("--no-workers", action="store_true", help="serve only")

    def handle(self, *args, **options) -> None:
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        children: list[subprocess.Popen] = []
        if not options["no_workers"]:
            for argv in SIDECARS:
                self.stdout.write(f"serve: starting worker: manage.py {' '.join(argv)}")
                children.append(subprocess.Popen([sys.executable, manage, *argv]))  # noqa: S603
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "daphne", "-b", options["host"], "-p", str(options["port"]), "securebank.asgi:application"]
        )

        def stop(*_args: object) -> None:
            for proc in [server, *children]:
                if proc.poll() is None:
                    proc.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            code = server.wait()
        finally:
            stop()
            for proc in children:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        raise SystemExit(code)
