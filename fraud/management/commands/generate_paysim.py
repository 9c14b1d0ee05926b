"""`manage.py generate_paysim --rows N --seed S [--out PATH]`: a PaySim-faithful CSV (fraud.generator)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from fraud.generator import FRAUD_ROW_SHARE, FULL_ROWS, paysim_generate


class Command(BaseCommand):
    help = "Write a synthetic PaySim-format transaction log (same 11 columns as the real file), streaming."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rows", type=int, default=FULL_ROWS, help=f"rows to write (default {FULL_ROWS:,}, the real file's size)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--out", type=Path, help="default data/paysim_generated_<rows>_<seed>.csv")
        parser.add_argument("--fraud-share", type=float, default=FRAUD_ROW_SHARE,
                            help=f"share of fraud rows (default {FRAUD_ROW_SHARE:.5f}, PaySim's)")

    def handle(self, *args, **options) -> None:
        rows, seed = options["rows"], options["seed"]
        out = options["out"] or Path(settings.DATA_DIR) / f"paysim_generated_{rows}_{seed}.csv"
        started = time.perf_counter()
        tty = sys.stderr.isatty()

        def progress(done: int, total: int) -> None:
            width = 30
            filled = width * done // total
            line = f"[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} rows ({time.perf_counter() - started:.1f} s)"
            self.stderr.write(("\r" + line) if tty else line, ending="" if tty else "\n")

        try:
            summary = paysim_generate(rows=rows, seed=seed, out=out, fraud_share=options["fraud_share"], progress=progress)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if tty:
            self.stderr.write("")
        self.stdout.write(
            f"wrote {summary.rows:,} rows ({summary.frauds:,} frauds, {summary.flagged} flagged) to {summary.path} "
            f"in {time.perf_counter() - started:.1f} s"
        )
