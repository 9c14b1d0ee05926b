"""Voice confirmations: one row per confirmation token issued by /api/speech/process.

The token itself is signed (django.core.signing) and carries this row's id; the row makes it
single-use (consumed inside the execute transaction) and records what was confirmed and what
it led to (the payment, or the money request).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

MONEY = {"max_digits": 18, "decimal_places": 2}


class VoiceConfirmation(models.Model):
    class Intent(models.TextChoices):
        PAY = "pay", "Pay"
        REQUEST = "request", "Request money"

    class Source(models.TextChoices):
        TEXT = "text", "Typed text"
        AUDIO = "audio", "Recorded speech"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)  # the token's id
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voice_confirmations")
    intent = models.CharField(max_length=8, choices=Intent.choices)
    amount = models.DecimalField(**MONEY)
    payee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=140, blank=True)
    transcript = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=5, choices=Source.choices, default=Source.TEXT)
    matched_by = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    consumed_at = models.DateTimeField(null=True, blank=True)
    transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="voice_confirmation"
    )
    money_request = models.OneToOneField(
        "payments.MoneyRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="voice_confirmation"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="voice_confirmation_amount_positive"),
            models.CheckConstraint(condition=~Q(user=F("payee")), name="voice_confirmation_distinct_parties"),
            models.CheckConstraint(
                condition=Q(transaction__isnull=True) | Q(consumed_at__isnull=False),
                name="voice_confirmation_executed_is_consumed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.intent} {self.amount} -> {self.payee_id}"
