"""`manage.py fill_summary_rollup [--all] [--loop --interval S]`: fill the spending summary's
rollup ahead of its readers (ledger.summary.summary_rollup_prefill; a worker:
securebank.management.loop).

Each batch fills, for the customer accounts with a transaction in the last two days, every
bucket the week, month and year summaries need as of now; a bucket already filled costs one
count. `--all` does it once for every customer account (after a migration or a restore). Each
batch also deletes the buckets older than any window can read (a year and a month)."""

from __future__ import annotations

from typing import Any

from ledger.summary import summary_rollup_prefill, summary_rollup_prune
from securebank.management.loop import LoopCommand


class Command(LoopCommand):
    help = "Fill the spending summary's daily and monthly rollup before customers read it."
    worker = "fill_summary_rollup"
    default_interval = 900.0
    idle_message = "filled 0 bucket(s)"

    def add_worker_arguments(self, parser: Any) -> None:
        parser.add_argument("--all", action="store_true", help="every customer account, not only the recently active")

    def run_once(self) -> str | None:
        accounts, filled = summary_rollup_prefill(every_account=bool(self.options.get("all")))
        pruned = summary_rollup_prune()
        done = [f"filled {filled} bucket(s) of {accounts} account(s)"] if filled else []
        done += [f"pruned {pruned} line(s) older than any window"] if pruned else []
        return ", ".join(done) or None
