"""`manage.py check_ledger`: verify the ledger's invariants; exit 1 on any violation."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ledger.checks import ledger_check
from securebank.money import format_amount


class Command(BaseCommand):
    help = "Check every ledger invariant (balances = entries, entries sum to zero, held, conservation)."

    def handle(self, *args, **options) -> None:
        report = ledger_check()
        self.stdout.write(
            f"checked {report.accounts} accounts, {report.transactions} transactions, {report.entries} entries; "
            f"sum of all balances {format_amount(report.total_balance)}"
        )
        if report.ok:
            self.stdout.write(self.style.SUCCESS("ledger OK: no violations"))
            return
        for violation in report.violations:
            self.stderr.write(str(violation))
        self.stderr.write(f"ledger check FAILED: {len(report.violations)} violation(s)")
        raise SystemExit(1)
