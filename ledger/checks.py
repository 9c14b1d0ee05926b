"""Ledger invariants, checked from the rows (read-only). Used by `manage.py check_ledger`.

1. every account's balance equals the sum of its entries;
2. every entry's balance_after equals the running sum of its account's entries;
3. every completed (or later reversed) transaction has exactly two entries summing to zero,
   and no other transaction has entries;
4. each account's `held` equals the sum of its held outgoing transactions;
5. no customer balance is negative and held <= balance;
6. money is conserved: all balances (the treasury's negative) sum to zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, Sum, Window

from ledger.models import Account, Entry, Transaction
from securebank.money import Paise, from_paise, paise_sum


@dataclass(frozen=True)
class Violation:
    rule: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.subject}: {self.detail}"


@dataclass(frozen=True)
class LedgerReport:
    accounts: int
    transactions: int
    entries: int
    total_balance: Decimal
    violations: list[Violation]

    @property
    def ok(self) -> bool:
        return not self.violations


def ledger_check(*, limit: int = 100) -> LedgerReport:
    """Check every invariant; report at most `limit` violations per rule.

    Every sum and comparison is in whole paise (`securebank.money.Paise`): exact on SQLite too,
    whose SUM over a decimal column adds floats and reported a healthy ledger as corrupt.
    """
    violations: list[Violation] = []

    sums = Account.objects.annotate(entry_sum=paise_sum("entries__amount"), balance_paise=Paise("balance")).exclude(
        balance_paise=F("entry_sum")
    )
    for acc in sums[:limit]:
        violations.append(Violation(
            "balance_matches_entries", f"account {acc.number}", f"balance {acc.balance} != entries {from_paise(acc.entry_sum)}",
        ))

    running = Entry.objects.annotate(
        running=Window(Sum(Paise("amount")), partition_by=[F("account_id")], order_by=F("id").asc()),
        after=Paise("balance_after"),
    ).values("id", "account_id", "transaction_id", "balance_after", "after", "running")
    bad_running = 0
    for row in running.iterator(chunk_size=5000):
        if int(row["running"]) != int(row["after"]):
            bad_running += 1
            if bad_running <= limit:
                violations.append(Violation(
                    "balance_after_running_sum", f"entry {row['id']} (transaction {row['transaction_id']})",
                    f"balance_after {row['balance_after']} != running sum {from_paise(row['running'])}",
                ))

    posted = [Transaction.Status.COMPLETED, Transaction.Status.REVERSED]
    bad_posted = (
        Transaction.objects.filter(status__in=posted)
        .annotate(n=Count("entries"), total=paise_sum("entries__amount"))
        .filter(~Q(n=2) | ~Q(total=0))
    )
    for txn in bad_posted[:limit]:
        violations.append(Violation("entries_balance", f"transaction {txn.pk}", f"{txn.n} entries summing to {from_paise(txn.total)}"))
    unposted = Transaction.objects.exclude(status__in=posted).annotate(n=Count("entries")).filter(n__gt=0)
    for txn in unposted[:limit]:
        violations.append(Violation("no_entries_unless_posted", f"transaction {txn.pk}", f"{txn.status} with {txn.n} entries"))

    held = Account.objects.annotate(
        held_sum=paise_sum("outgoing__amount", filter=Q(outgoing__status=Transaction.Status.HELD)), held_paise=Paise("held"),
    ).exclude(held_paise=F("held_sum"))
    for acc in held[:limit]:
        violations.append(Violation(
            "held_matches_holds", f"account {acc.number}", f"held {acc.held} != held transactions {from_paise(acc.held_sum)}",
        ))

    negative = Account.objects.filter(kind=Account.Kind.CUSTOMER).filter(Q(balance__lt=0) | Q(held__gt=F("balance")) | Q(held__lt=0))
    for acc in negative[:limit]:
        violations.append(Violation("non_negative", f"account {acc.number}", f"balance {acc.balance}, held {acc.held}"))

    total = from_paise(Account.objects.aggregate(t=paise_sum("balance"))["t"])
    if total != 0:
        violations.append(Violation("money_conserved", "all accounts", f"balances sum to {total}, expected 0.00"))

    return LedgerReport(
        accounts=Account.objects.count(),
        transactions=Transaction.objects.count(),
        entries=Entry.objects.count(),
        total_balance=total,
        violations=violations,
    )
