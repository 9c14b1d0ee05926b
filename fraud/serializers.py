"""Input and output shapes for the fraud endpoints."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from fraud.models import FraudAlert
from securebank import clock
from securebank.money import MoneyField, format_amount
from securebank.serializers import StrictSerializer

PAYEE_FIELDS = ("to_vpa", "to_phone", "to_username", "to_account")


class CheckInput(StrictSerializer):
    exactly_one_of = PAYEE_FIELDS

    amount = MoneyField()
    to_vpa = serializers.CharField(max_length=128, required=False)
    to_phone = serializers.CharField(max_length=20, required=False)
    to_username = serializers.CharField(max_length=150, required=False)
    to_account = serializers.CharField(max_length=20, required=False)

    def validate(self, attrs: dict) -> dict:
        if sum(1 for f in PAYEE_FIELDS if attrs.get(f)) != 1:
            raise serializers.ValidationError({"to_vpa": [f"Give exactly one of {', '.join(PAYEE_FIELDS)}."]})
        return attrs


class ScoreOutput(serializers.Serializer):
    probability = serializers.FloatField(allow_null=True, help_text="the evidence ranked: model and behaviour signals (fraud.policy); null without a model")
    risk_level = serializers.ChoiceField(choices=["low", "medium", "high", "critical", "unknown"])
    decision = serializers.ChoiceField(choices=["allow", "hold", "decline"])
    reasons = serializers.ListField(child=serializers.CharField())
    model_version = serializers.CharField(allow_null=True)
    degraded = serializers.BooleanField(help_text="true when no model scored (fail-closed rule applied)")

    def to_representation(self, instance: Any) -> dict:
        data = super().to_representation(instance)
        if data["probability"] is not None:
            data["probability"] = round(data["probability"], 4)
        return data


class AlertFilter(StrictSerializer):
    status = serializers.ChoiceField(choices=FraudAlert.Status.values, required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100)
    cursor = serializers.CharField(required=False)


class AlertOutput(serializers.Serializer):
    """Customers see their alert's status, level and reasons; staff also see the score, the
    model version, the payer and the review trail."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    risk_level = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)
    transaction = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField()

    def _staff(self) -> bool:
        return bool(self.context.get("staff"))

    def get_transaction(self, alert: FraudAlert) -> dict[str, Any]:
        txn = alert.transaction
        payee = txn.payee_account.owner
        return {
            "id": str(txn.pk),
            "reference": txn.reference,
            "amount": format_amount(txn.amount),
            "status": txn.status,
            "created_at": clock.timestamp(txn.created_at),
            "hold_expires_at": clock.timestamp(txn.hold_expires_at),
            "payee": payee.display_name if payee else "SecureBank",
        }

    def get_review(self, alert: FraudAlert) -> dict[str, Any] | None:
        if not self._staff():
            return None
        return {
            "score": None if alert.score is None else str(alert.score),
            "model_version": alert.model_version,
            "operator_reasons": list(alert.operator_reasons),
            "payer": alert.user.username if alert.user else None,
            "reviewed_by": alert.reviewed_by.username if alert.reviewed_by else None,
            "note": alert.review_note,
        }


class ReviewInput(StrictSerializer):
    action = serializers.ChoiceField(choices=["approve", "reject"])
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ModelStatusOutput(serializers.Serializer):
    active = serializers.BooleanField()
    version = serializers.CharField(allow_null=True)
    trained_at = serializers.DateTimeField(allow_null=True)
    data_source = serializers.CharField(allow_null=True)
    rows = serializers.IntegerField(allow_null=True)
    metrics = serializers.DictField(allow_null=True, help_text="time-split test set of the training data")
    threshold = serializers.FloatField()
    block_threshold = serializers.FloatField()
    fail_open_limit = serializers.CharField()
    features = serializers.ListField(child=serializers.CharField())
    loaded = serializers.BooleanField(help_text="this server process holds the active model in memory")
    health = serializers.DictField()
