"""`manage.py expire_requests [--loop --interval 60]`: expire pending money requests past their
expiry, notifying both parties. Safe to re-run and to run beside the server (rows that an
accept is holding are skipped; requests are also expired when read or acted on)."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand, CommandError

from payments.services import money_requests_expire


class Command(BaseCommand):
    help = "Expire pending money requests whose expiry has passed, notifying both parties."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--loop", action="store_true", help="keep running (a worker beside the server)")
        parser.add_argument("--interval", type=float, default=60.0, help="seconds between runs with --loop")

    def handle(self, *args, **options) -> None:
        if options["interval"] <= 0:
            raise CommandError("--interval must be positive")
        stopping = False

        def stop(*_args: object) -> None:
            nonlocal stopping
            stopping = True

        if options["loop"]:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            self.stdout.write(f"expire_requests: every {options['interval']:g}s until stopped")
        while True:
            try:
                count = money_requests_expire()
            except Exception as exc:
                if not options["loop"]:
                    raise CommandError(f"expire_requests failed: {exc.__class__.__name__}") from exc
                self.stderr.write(f"expire_requests: run failed ({exc.__class__.__name__}); retrying")
                count = 0
            if count or not options["loop"]:
                self.stdout.write(f"expire_requests: {count} request(s) expired")
            if not options["loop"]:
                return
            deadline = time.monotonic() + options["interval"]
            while not stopping and time.monotonic() < deadline:
                time.sleep(min(0.5, options["interval"]))
            if stopping:
                return
