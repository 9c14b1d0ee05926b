"""`manage.py release_expired_holds [--loop --interval S]`: release holds past FRAUD_HOLD_TTL_HOURS."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from fraud.services import holds_release_expired


class Command(BaseCommand):
    help = "Release held transactions whose review period has passed (nothing moves; the payer is told)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--loop", action="store_true", help="keep running (a worker beside the server)")
        parser.add_argument("--interval", type=float, default=300.0, help="seconds between passes with --loop")

    def handle(self, *args, **options) -> None:
        if options["loop"]:
            self.stdout.write(f"release_expired_holds: checking every {options['interval']:g} s")
        while True:
            released = holds_release_expired()
            if released or not options["loop"]:
                self.stdout.write(f"release_expired_holds: released {released} hold(s)")
            if not options["loop"]:
                return
            time.sleep(options["interval"])
            close_old_connections()  # a long-lived worker must not keep a dead connection
