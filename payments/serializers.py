"""Input and output shapes for the payments endpoints."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import User
from accounts.serializers import payment_pin_field
from ledger.serializers import TransferOutput
from payments.models import MoneyRequest
from payments.services import NOTE_MAX, REQUEST_DEFAULT_TTL, REQUEST_MAX_TTL, REQUEST_MIN_TTL
from securebank.money import MoneyField, format_amount
from securebank.serializers import StrictSerializer

PAYEE_HELP = "A UPI ID (name@bank, any case), an Indian mobile number (+91 optional) or a username; exact match."


# --- Inputs ------------------------------------------------------------------------------------
class ResolveQuery(StrictSerializer):
    payee = serializers.CharField(max_length=254, help_text=PAYEE_HELP)


class PayeesQuery(StrictSerializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)


class SendInput(StrictSerializer):
    payee = serializers.CharField(max_length=254, help_text=PAYEE_HELP)
    amount = MoneyField()
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")
    pin = payment_pin_field()


class RequestInput(StrictSerializer):
    payer = serializers.CharField(max_length=254, help_text=PAYEE_HELP)
    amount = MoneyField()
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")
    expires_in = serializers.IntegerField(
        required=False,
        min_value=int(REQUEST_MIN_TTL.total_seconds()),
        max_value=int(REQUEST_MAX_TTL.total_seconds()),
        default=int(REQUEST_DEFAULT_TTL.total_seconds()),
        help_text="Seconds until the request expires: 60 to 604800 (7 days); default 86400 (24 h).",
    )


class PendingQuery(StrictSerializer):
    direction = serializers.ChoiceField(choices=["incoming", "outgoing"], required=False)
    status = serializers.ChoiceField(choices=MoneyRequest.Status.values, required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)


class EmptyInput(StrictSerializer):
    """Decline and cancel take no fields (anything sent is refused, not ignored)."""


class AcceptInput(StrictSerializer):
    """Accept takes only the UPI PIN."""

    pin = payment_pin_field()


# --- Outputs -----------------------------------------------------------------------------------
class PartyOutput(serializers.Serializer):
    name = serializers.CharField()
    vpa = serializers.CharField(allow_null=True)


class PayeeOutput(serializers.Serializer):
    display_name = serializers.CharField()
    full_name = serializers.CharField()
    username = serializers.CharField()
    vpa = serializers.CharField()


class RecentPayeeOutput(PayeeOutput):
    user_id = serializers.IntegerField()
    last_paid_at = serializers.DateTimeField()
    count = serializers.IntegerField()


class RequestTransactionOutput(serializers.Serializer):
    id = serializers.UUIDField()
    reference = serializers.CharField()
    status = serializers.CharField()


class MoneyRequestOutput(serializers.Serializer):
    """A request from the caller's side (`context["user"]`)."""

    id = serializers.UUIDField()
    direction = serializers.SerializerMethodField()
    amount = serializers.SerializerMethodField()
    note = serializers.CharField()
    status = serializers.SerializerMethodField()
    requester = serializers.SerializerMethodField()
    payer = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    responded_at = serializers.DateTimeField(allow_null=True)
    transaction = serializers.SerializerMethodField()

    def get_direction(self, obj: MoneyRequest) -> str:
        return "outgoing" if obj.requester_id == self.context["user"].pk else "incoming"

    def get_amount(self, obj: MoneyRequest) -> str:
        return format_amount(obj.amount)

    def get_status(self, obj: MoneyRequest) -> str:
        return getattr(obj, "effective_status", None) or obj.status

    def _party(self, user: User) -> dict[str, Any]:
        return {"name": user.display_name, "vpa": user.vpa}

    def get_requester(self, obj: MoneyRequest) -> dict[str, Any]:
        return self._party(obj.requester)

    def get_payer(self, obj: MoneyRequest) -> dict[str, Any]:
        return self._party(obj.payer)

    def get_transaction(self, obj: MoneyRequest) -> dict[str, Any] | None:
        txn = obj.transaction
        if txn is None:
            return None
        return {"id": str(txn.pk), "reference": txn.reference, "status": txn.status}


class RequestAnswerOutput(serializers.Serializer):
    request = MoneyRequestOutput()


class PendingOutput(serializers.Serializer):
    incoming = MoneyRequestOutput(many=True)
    outgoing = MoneyRequestOutput(many=True)


class AcceptOutput(TransferOutput):
    request = MoneyRequestOutput()
