"""Fraud app data: the model registry and the alerts raised on held transactions.

The model files themselves live on disk under `settings.FRAUD_MODEL_DIR/<version>/` (XGBoost's
own UBJ format plus a JSON metadata file and the PR-curve PNG); a `FraudModel` row records each
version, and exactly one row at most is active (a partial unique constraint).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class FraudModel(models.Model):
    version = models.CharField(max_length=64, unique=True)
    trained_at = models.DateTimeField()
    is_active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    data_source = models.CharField(max_length=255)  # file name (or "generated ...")
    data_sha256 = models.CharField(max_length=64)
    rows = models.BigIntegerField()
    threshold = models.FloatField()
    features = models.JSONField(default=list)
    metrics = models.JSONField(default=dict)  # test-set metrics, split, comparisons
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-trained_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="fraud_one_active_model")]

    def __str__(self) -> str:
        return f"{self.version}{' (active)' if self.is_active else ''}"


class FraudAlert(models.Model):
    """Raised for every held transaction; closed by an operator's review or by expiry."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        APPROVED = "approved", "Approved (completed)"
        REJECTED = "rejected", "Rejected (released)"
        EXPIRED = "expired", "Expired (released)"

    transaction = models.OneToOneField("ledger.Transaction", on_delete=models.PROTECT, related_name="fraud_alert")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="fraud_alerts")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    score = models.DecimalField(max_digits=6, decimal_places=5, null=True, blank=True)  # null: no model (fail-closed)
    risk_level = models.CharField(max_length=10)
    model_version = models.CharField(max_length=64, null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)  # as the customer is told
    operator_reasons = models.JSONField(default=list, blank=True)  # each signal with its figures (staff only)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"alert {self.pk} {self.status} ({self.transaction_id})"
