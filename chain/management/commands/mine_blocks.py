"""Seal completed transactions into signed proof-of-work blocks.

    manage.py mine_blocks --once                   mine until nothing is pending, then exit
    manage.py mine_blocks --loop --interval 2      keep mining (`make run` starts this beside the server)
    --max-tx N                                     at most N transactions per block (default 1000)
"""

from __future__ import annotations

import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections

from chain.services import DEFAULT_MAX_TX, blocks_mine_pending

logger = logging.getLogger("chain.miner")
FULL_SWEEP_SECONDS = 600


class Command(BaseCommand):
    help = "Seal completed transactions into new blocks (once, or in a loop)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--once", action="store_true", help="mine until nothing is pending, then exit (default)")
        mode.add_argument("--loop", action="store_true", help="keep mining every --interval seconds")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between rounds in --loop (default 2)")
        parser.add_argument("--max-tx", type=int, default=DEFAULT_MAX_TX, help="transactions per block at most")

    def handle(self, *args, **options) -> None:
        if options["max_tx"] < 1:
            raise CommandError("--max-tx must be at least 1")
        if options["interval"] <= 0:
            raise CommandError("--interval must be positive")
        if not options["loop"]:
            blocks = self._round(max_tx=options["max_tx"], full_sweep=True)
            self.stdout.write(f"mine_blocks: {len(blocks)} block(s) mined")
            return
        self._loop(interval=options["interval"], max_tx=options["max_tx"])

    def _round(self, *, max_tx: int, full_sweep: bool) -> list:
        blocks = blocks_mine_pending(max_tx=max_tx, full_sweep=full_sweep)
        for block in blocks:
            self.stdout.write(f"mine_blocks: block {block.index}: {block.tx_count} transaction(s), hash {block.hash[:16]}")
        return blocks

    def _loop(self, *, interval: float, max_tx: int) -> None:
        stopping = False

        def stop(*_args: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"mine_blocks: mining every {interval:g} s (Ctrl-C to stop)")
        # None, not 0.0: the monotonic clock counts from boot, so on a machine up for less than
        # FULL_SWEEP_SECONDS a zero would skip the first round's full sweep.
        last_full_sweep: float | None = None
        while not stopping:
            now = time.monotonic()
            full = last_full_sweep is None or now - last_full_sweep >= FULL_SWEEP_SECONDS
            try:
                close_old_connections()
                self._round(max_tx=max_tx, full_sweep=full)
                if full:
                    last_full_sweep = now
            except DatabaseError:
                # The database went away (restart, failover): keep the worker alive and retry.
                logger.warning("mine_blocks: database error, retrying in %s s", interval, exc_info=True)
            except Exception:
                # Nothing supervises this worker under `make run`: log loudly, keep mining; the
                # health check reports the miner as behind while rounds keep failing.
                logger.exception("mine_blocks: round failed, retrying in %s s", interval)
            deadline = time.monotonic() + interval
            while not stopping and time.monotonic() < deadline:
                time.sleep(min(0.2, interval))
        self.stdout.write("mine_blocks: stopped")
