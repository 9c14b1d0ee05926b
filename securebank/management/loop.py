"""The one shape of every background worker: a management command that runs one batch, or
with `--loop` runs batches until it is told to stop.

    class Command(LoopCommand):
        help = "Release held payments nobody reviewed in time."
        worker = "release_expired_holds"
        default_interval = 300.0

        def run_once(self) -> str | None:
            released = expired_holds_release()
            return f"released {released} hold(s)" if released else None

What every worker gets from here:
- `--loop` and `--interval S` (seconds between batches; the first batch runs at once);
- a graceful stop: SIGTERM or SIGINT lets the batch in progress finish, then the command says
  `<worker>: stopped` and exits 0 (what `serve`, systemd and Kubernetes send);
- survival: a failed batch is logged (a database error in one line, anything else with its
  traceback), stale connections are closed, and the next try waits twice as long each time
  in a row (from --interval up to WORKER_BACKOFF_MAX_SECONDS), back to --interval after a
  success; a database restart costs a few slow batches, never the worker;
- one line of progress per batch that did work (`run_once` returns it); idle batches print
  nothing. Without --loop, one batch runs, its line (or `idle_message`) is printed, and a
  failure exits non-zero with a one-line reason.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections

logger = logging.getLogger("securebank.workers")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class LoopCommand(BaseCommand):
    worker: str = "worker"  # the name in every line it prints
    default_interval: float = 60.0
    idle_message: str = "nothing to do"  # printed by a single run (no --loop) that did nothing

    def run_once(self) -> str | None:
        """One batch. Returns a line of progress when it did work, None when it was idle.
        Raise to report a failure; the loop logs it and tries again later."""
        raise NotImplementedError

    def add_worker_arguments(self, parser: Any) -> None:
        """Arguments of this worker beyond --loop and --interval."""

    def check_options(self, **options: Any) -> None:
        """Validate this worker's options (raise CommandError); kept on `self.options`."""

    # --- the machinery ---------------------------------------------------------------------------
    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running batches until SIGTERM/SIGINT")
        parser.add_argument("--interval", type=float, default=self.default_interval,
                            help=f"seconds between batches with --loop (default {self.default_interval:g})")
        self.add_worker_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["interval"] <= 0:
            raise CommandError("--interval must be positive")
        self.options = options
        self.looping = bool(options["loop"])
        self.check_options(**options)
        if not self.looping:
            try:
                line = self.run_once()
            except Exception as exc:
                raise CommandError(f"{self.worker} failed: {exc.__class__.__name__}: {_first_line(exc)}") from exc
            self._progress(line or self.idle_message)
            return
        self.loop(interval=options["interval"])

    def loop(self, *, interval: float) -> None:
        self.stopping = threading.Event()
        previous = {sig: signal.signal(sig, self._stop) for sig in STOP_SIGNALS}
        cap = max(float(settings.WORKER_BACKOFF_MAX_SECONDS), interval)
        failures = 0
        self._progress(f"every {interval:g} s until SIGTERM/SIGINT")
        try:
            while not self.stopping.is_set():
                close_old_connections()  # a connection the database dropped since the last batch
                try:
                    line = self.run_once()
                except DatabaseError as exc:
                    failures += 1
                    delay = min(interval * 2 ** (failures - 1), cap)
                    logger.warning("%s: database error (%s: %s), retrying in %g s",
                                   self.worker, exc.__class__.__name__, _first_line(exc), delay)
                    close_old_connections()
                except Exception:
                    failures += 1
                    delay = min(interval * 2 ** (failures - 1), cap)
                    logger.exception("%s: batch failed, retrying in %g s", self.worker, delay)
                    close_old_connections()
                else:
                    failures, delay = 0, interval
                    if line:
                        self._progress(line)
                self.wait(delay)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self._progress("stopped")

    def wait(self, seconds: float) -> None:
        """Sleep between batches; a stop signal ends the sleep at once."""
        self.stopping.wait(seconds)

    def _stop(self, signum: int, _frame: object) -> None:
        # Only a flag: the batch in progress finishes (its transaction commits or rolls back
        # whole), then the loop ends.
        self.stopping.set()

    def _progress(self, line: str) -> None:
        self.stdout.write(f"{self.worker}: {line}")
        self.stdout.flush()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else ""
