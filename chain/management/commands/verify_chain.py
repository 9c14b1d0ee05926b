"""Recompute and check the whole chain from the database rows (see chain.verification).

Uses every CPU by default (`--workers`, see chain.verification.chain_verify); a chain too short
to gain from it is checked in this process. Exit 0 when every block checks out; exit 1 with one
line naming the first failure (block index, and the transaction id when one is to blame).
"""

from __future__ import annotations

import json
import os

from django.core.management.base import BaseCommand, CommandError

from chain.verification import chain_verify


class Command(BaseCommand):
    help = "Verify every block: leaves, Merkle roots, hashes, proof-of-work, signatures and links."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--quiet", action="store_true", help="no progress lines")
        parser.add_argument(
            "--workers", type=int, default=os.cpu_count() or 1,
            help="verify block ranges in up to N processes (default: the number of CPUs; 1: this process only)",
        )

    def handle(self, *args, **options) -> None:
        def progress(blocks: int, transactions: int, total: int) -> None:
            if not options["quiet"] and not options["json"]:
                self.stderr.write(f"verify_chain: {blocks}/{total} blocks, {transactions} transactions checked")

        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        report = chain_verify(progress=progress, workers=options["workers"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), default=str))
        if not report.ok:
            raise CommandError(f"verify_chain: FAILED at {report.failure}")
        if not options["json"]:
            rate = report.transactions / report.seconds if report.seconds else 0.0
            self.stdout.write(
                f"verify_chain: OK, {report.blocks} blocks, {report.transactions} transactions in "
                f"{report.seconds:.2f} s ({rate:,.0f} tx/s); head {report.head_index} {report.head_hash}; "
                f"{report.pending} pending"
            )
