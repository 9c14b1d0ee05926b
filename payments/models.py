"""Payments: money requests (stored notifications live in the notifications app)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

MONEY = {"max_digits": 18, "decimal_places": 2}


class MoneyRequest(models.Model):
    """`requester` asks `payer` for `amount`. Only `payer` may accept or decline; only
    `requester` may cancel; only a pending request can change, and only once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="money_requests_made")
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="money_requests_received")
    amount = models.DecimalField(**MONEY)
    note = models.CharField(max_length=140, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)  # when it left `pending`
    # The payment that settled it (one transaction pays at most one request).
    transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="money_request"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["payer", "-created_at"]),
            models.Index(fields=["requester", "-created_at"]),
            models.Index(fields=["status", "expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="money_request_amount_positive"),
            models.CheckConstraint(condition=~Q(requester=F("payer")), name="money_request_distinct_parties"),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(transaction__isnull=False), name="money_request_paid_has_transaction"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester_id}->{self.payer_id} {self.amount} {self.status}"
