"""`manage.py push_outbox [--loop --interval 2]`: re-send stored notifications whose push was
lost (a crash between the commit and the push, a channel layer that was down). Safe to re-run
and to run several at once (rows are taken FOR UPDATE SKIP LOCKED); at least once, so clients
drop repeats by `notification_id`."""

from __future__ import annotations

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from payments.outbox import outbox_sweep

IN_MEMORY_LAYER = "channels.layers.InMemoryChannelLayer"


class Command(BaseCommand):
    help = "Re-send stored notifications still unpushed a few seconds after their commit."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--loop", action="store_true", help="keep running (a worker beside the server)")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between runs with --loop")

    def handle(self, *args, **options) -> None:
        if options["interval"] <= 0:
            raise CommandError("--interval must be positive")
        if settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND") == IN_MEMORY_LAYER:
            # This process's in-memory layer reaches no server's sockets: a push from here would
            # be marked sent and reach nobody. The rows stay in GET /api/notifications.
            self.stdout.write("push_outbox: nothing to do without a shared channel layer (set REDIS_URL)")
            return
        stopping = False

        def stop(*_args: object) -> None:
            nonlocal stopping
            stopping = True

        if options["loop"]:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            self.stdout.write(f"push_outbox: every {options['interval']:g}s until stopped")
        while True:
            try:
                count = outbox_sweep()
            except Exception as exc:
                if not options["loop"]:
                    raise CommandError(f"push_outbox failed: {exc.__class__.__name__}") from exc
                self.stderr.write(f"push_outbox: run failed ({exc.__class__.__name__}); retrying")
                count = 0
            if count or not options["loop"]:
                self.stdout.write(f"push_outbox: {count} notification(s) re-sent")
            if not options["loop"]:
                return
            deadline = time.monotonic() + options["interval"]
            while not stopping and time.monotonic() < deadline:
                time.sleep(min(0.5, options["interval"]))
            if stopping:
                return
