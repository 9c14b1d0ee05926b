"""Ledger reads for the chain app: which transactions a block may seal, and the rows a leaf
commits to.

Lazy querysets, not lists: chain.facts runs them on a plain cursor (text columns, no model
instances) and chain.services pages and annotates them, so the statements stay exactly as
tuned for mining and `verify_chain` (bench/results_chain.md). The ledger owns what the queries
select; the chain app decides how to read the rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from ledger.models import Entry, Transaction

# A block seals completed transactions, including ones reversed since (the reversal is a
# transaction of its own, sealed when it completes).
SEALABLE_STATUSES = (Transaction.Status.COMPLETED, Transaction.Status.REVERSED)
_NOT_SEALABLE = [s for s in Transaction.Status if s not in SEALABLE_STATUSES]


def sealable_transactions() -> QuerySet[Transaction]:
    """Transactions a block may seal: completed, or completed and since reversed."""
    # Written as "not one of the other statuses": an equality on status would make SQLite walk
    # the (status, hold_expires_at) index and sort every completed transaction, instead of
    # walking completed_at from `since`.
    return Transaction.objects.filter(completed_at__isnull=False).exclude(status__in=_NOT_SEALABLE)


def sealable_completed_between(*, after: datetime, before: datetime) -> datetime | None:
    """The earliest completed_at of a sealable transaction completed strictly between `after`
    and `before`, or None: an index range scan on completed_at (the miner health check)."""
    return (
        Transaction.objects.filter(completed_at__gt=after, completed_at__lt=before)
        .exclude(status__in=_NOT_SEALABLE)
        .order_by("completed_at")
        .values_list("completed_at", flat=True)
        .first()
    )


def transactions_by_ids(*, ids: Iterable[Any]) -> QuerySet[Transaction]:
    """The transactions with these ids (UUIDs, or ids in the form the driver returns them)."""
    return Transaction.objects.filter(pk__in=ids)


def entries_of_transactions(*, ids: Iterable[Any] | QuerySet) -> QuerySet[Entry]:
    """The entries of these transactions (a list of ids, or a `values("transaction_id")`
    subquery), ordered by transaction, then entry id: each transaction's postings in order."""
    return Entry.objects.filter(transaction_id__in=ids).order_by("transaction_id", "id")


def transaction_ids_existing(*, ids: Iterable[Any]) -> set[UUID]:
    """Which of these transaction ids still have a row."""
    return set(Transaction.objects.filter(pk__in=ids).values_list("pk", flat=True))
