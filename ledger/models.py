"""Double-entry ledger: accounts, transactions and their (append-only) entries.

Invariants, backed by CHECK constraints where the database can hold them:
- a customer account never goes below zero, and 0 <= held <= balance;
- every completed transaction has entries summing to zero (checked by `check_ledger`);
- entries are never updated or deleted; a correction is a reversal transaction;
- the treasury (a system account) is the only account that may go negative: it is the source
  of all money in the system, so the sum of all balances is always zero.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from securebank import clock

MONEY = {"max_digits": 18, "decimal_places": 2}


class Account(models.Model):
    class Kind(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        SYSTEM = "system", "System (bank-owned)"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        FROZEN = "frozen", "Frozen"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts"
    )
    number = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=64, default="Savings")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CUSTOMER)
    is_primary = models.BooleanField(default=False)
    currency = models.CharField(max_length=3, default="INR")
    balance = models.DecimalField(default=0, **MONEY)
    held = models.DecimalField(default=0, **MONEY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="system") | Q(balance__gte=0), name="account_customer_balance_non_negative"
            ),
            models.CheckConstraint(condition=Q(held__gte=0), name="account_held_non_negative"),
            models.CheckConstraint(
                condition=Q(kind="system") | Q(held__lte=F("balance")), name="account_held_within_balance"
            ),
            models.UniqueConstraint(
                fields=["owner"], condition=Q(is_primary=True), name="account_one_primary_per_owner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.owner or self.name})"

    @property
    def available(self):  # Decimal
        return self.balance - self.held


class Transaction(models.Model):
    class Kind(models.TextChoices):
        TRANSFER = "transfer", "Transfer"
        PAYMENT = "payment", "Payment"
        QR_PAYMENT = "qr_payment", "QR payment"
        VOICE_PAYMENT = "voice_payment", "Voice payment"
        REQUEST_PAYMENT = "request_payment", "Money request payment"
        DEPOSIT = "deposit", "Deposit"
        REVERSAL = "reversal", "Reversal"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        HELD = "held", "Held for review"
        COMPLETED = "completed", "Completed"
        DECLINED = "declined", "Declined"
        REVERSED = "reversed", "Reversed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=12, unique=True)  # 12 digits, like a UPI RRN
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    amount = models.DecimalField(**MONEY)
    description = models.CharField(max_length=255, blank=True)
    # No index of their own: each side's (account, created_at, ...) index below leads with it.
    payer_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="outgoing", db_index=False)
    payee_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="incoming", db_index=False)
    channel = models.CharField(max_length=16, default="api")
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals")
    # Set by the ledger from the same reading of the clock as completed_at (a payment never
    # completes before it is created); the default serves rows made elsewhere.
    created_at = models.DateTimeField(default=clock.now, editable=False, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=255, blank=True)
    # Filled by the fraud scorer (see ledger.risk); null where no scoring happened (deposits).
    fraud_score = models.DecimalField(max_digits=6, decimal_places=5, null=True, blank=True)
    fraud_decision = models.CharField(max_length=10, null=True, blank=True)
    fraud_model_version = models.CharField(max_length=64, null=True, blank=True)
    fraud_reasons = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Each side's history by time, carrying what a summary reads (ledger/summary.py), so
            # a customer's summary is an index-only scan: 100k transactions in bench/summary.py.
            models.Index(fields=["payer_account", "created_at", "status", "kind", "amount", "payee_account"],
                         name="txn_payer_time_summary_idx"),
            models.Index(fields=["payee_account", "created_at", "status", "kind", "amount", "payer_account"],
                         name="txn_payee_time_summary_idx"),
            # The hold sweeper's; partial, so a completed payment writes nothing to it and no
            # plan can reach every completed row through it (a status index did, on PostgreSQL
            # without statistics: bench/results_transfers.md).
            models.Index(fields=["hold_expires_at"], condition=Q(status="held"),  # Status.HELD
                         name="txn_held_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="transaction_amount_positive"),
            models.CheckConstraint(
                condition=~Q(payer_account=F("payee_account")), name="transaction_distinct_accounts"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.kind} {self.amount} {self.status}"


class Entry(models.Model):
    """One posting. Debits are negative, credits positive. Never updated or deleted."""

    # No index of its own: the (transaction, account) unique constraint leads with it.
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries", db_index=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.DecimalField(**MONEY)
    balance_after = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "entries"
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_non_zero"),
            models.UniqueConstraint(fields=["transaction", "account"], name="entry_one_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount}"


class IdempotencyKey(models.Model):
    """The first response to (user, key), replayed for retries. See ledger.idempotency."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    # No index of its own: the (user, key) unique constraint leads with it.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    # Set in the same database transaction that moves the money: proof that it ran. Not indexed:
    # nothing looks a key up by its transaction (transactions are never deleted), and with no
    # indexed column changed, the UPDATE that stores the answer can stay on its page (HOT).
    transaction = models.ForeignKey(Transaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    db_index=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key} {self.state}"


class SummaryRollup(models.Model):
    """One filled bucket of the spending summary's rollup (ledger.rollup): the account's completed
    transactions of one closed local day summed per kind (`day`), or per counterparty over one
    closed local day (`day_party`) or one closed local month (`month_party`), in its
    SummaryRollupLine rows. Derived data: deleting a bucket with its lines only makes the next
    summary read fill it again from the transactions."""

    class Span(models.TextChoices):
        DAY = "day", "Day, by kind"
        DAY_PARTY = "day_party", "Day, by counterparty"
        MONTH_PARTY = "month_party", "Month, by counterparty"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    span = models.CharField(max_length=11, choices=Span.choices)
    start = models.DateField()  # the local day, or the first local day of the month
    filled_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            # Two first reads fill the same bucket once: INSERT ... ON CONFLICT DO NOTHING.
            models.UniqueConstraint(fields=["account", "span", "start"], name="summary_rollup_bucket_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.span} {self.start}"


class SummaryRollupLine(models.Model):
    """Count and sum of one bucket's completed transactions in one direction: of one kind (a
    `day` bucket: no counterparty) or with one counterparty (the `*_party` buckets: no kind)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    span = models.CharField(max_length=11, choices=SummaryRollup.Span.choices)
    start = models.DateField()
    outgoing = models.BooleanField()
    kind = models.CharField(max_length=20, blank=True)
    counterparty = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    transactions = models.PositiveIntegerField()
    amount = models.DecimalField(**MONEY)

    class Meta:
        indexes = [
            # A summary reads one account's lines of a span over a range of days: an index-only
            # scan on PostgreSQL.
            models.Index(fields=["account", "span", "start"], include=["outgoing", "kind", "counterparty", "transactions", "amount"],
                         name="summary_rollup_line_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.span} {self.start} {self.kind or self.counterparty_id}"
