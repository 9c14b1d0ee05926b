"""Seal completed transactions into signed proof-of-work blocks.

    manage.py mine_blocks --once                   mine until nothing is pending, then exit
    manage.py mine_blocks --loop --interval 2      keep mining (`make run` starts this beside the server)
    --max-tx N                                     at most N transactions per block (default 1000)

A worker (securebank.management.loop): graceful stop, backoff on database errors, one line per
round that mined something.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError

from chain.services import DEFAULT_MAX_TX, blocks_mine_pending
from securebank.management.loop import LoopCommand

FULL_SWEEP_SECONDS = 600


class Command(LoopCommand):
    help = "Seal completed transactions into new blocks (once, or in a loop)."
    worker = "mine_blocks"
    default_interval = 2.0
    idle_message = "0 block(s) mined"
    # None, not 0.0: the monotonic clock counts from boot, so on a machine up for less than
    # FULL_SWEEP_SECONDS a zero would skip the first round's full sweep.
    last_full_sweep: float | None = None

    def add_worker_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="mine until nothing is pending, then exit (the default)")
        parser.add_argument("--max-tx", type=int, default=DEFAULT_MAX_TX, help="transactions per block at most")

    def check_options(self, **options: Any) -> None:
        if options["once"] and options["loop"]:
            raise CommandError("--once and --loop exclude each other")
        if options["max_tx"] < 1:
            raise CommandError("--max-tx must be at least 1")

    def run_once(self) -> str | None:
        # A single run sweeps everything; the loop looks at the recent window each round and
        # sweeps everything every FULL_SWEEP_SECONDS (chain.services.blocks_mine_iter).
        now = time.monotonic()
        full = not self.looping or self.last_full_sweep is None or now - self.last_full_sweep >= FULL_SWEEP_SECONDS
        blocks = blocks_mine_pending(max_tx=self.options["max_tx"], full_sweep=full)
        if full:
            self.last_full_sweep = now
        if not blocks:
            return None
        first, last = blocks[0], blocks[-1]
        span = f"block {first.index}" if first is last else f"blocks {first.index}-{last.index}"
        count = sum(block.tx_count for block in blocks)
        return f"{len(blocks)} block(s) mined ({span}): {count} transaction(s), tip {last.hash[:16]}"
