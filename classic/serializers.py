"""What the classic app sends, field for field (classic-frontend.md). Shape only: every business
rule is checked by the service the view calls. Unknown fields are refused, as in /api/."""

from __future__ import annotations

from rest_framework import serializers

from accounts.serializers import PinField, payment_pin_field
from chain.qr import MAX_TTL, MIN_TTL
from payments.services import NOTE_MAX
from securebank.money import MoneyField
from securebank.serializers import StrictSerializer

QR_MIN_MINUTES = int(MIN_TTL.total_seconds() // 60)
QR_MAX_MINUTES = int(MAX_TTL.total_seconds() // 60)


class LogoutInput(StrictSerializer):
    refresh = serializers.CharField(required=False)


class SendInput(StrictSerializer):
    receiver_id = serializers.IntegerField(min_value=1)
    amount = MoneyField()
    description = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")
    # Not sent by the classic app (it verifies the PIN first, see classic/services.py); a client
    # that has the PIN at hand may pay in one call, as on /api/.
    pin = payment_pin_field()


class RequestInput(StrictSerializer):
    from_user_id = serializers.IntegerField(min_value=1)
    amount = MoneyField()
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class GenerateQRInput(StrictSerializer):
    amount = MoneyField(required=False, allow_null=True)
    description = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    expires_in_minutes = serializers.IntegerField(
        required=False, min_value=QR_MIN_MINUTES, max_value=QR_MAX_MINUTES, default=15
    )


class ParseTextInput(StrictSerializer):
    text = serializers.CharField(max_length=500)


class CommandInput(serializers.Serializer):
    """The `parsed` object of parse-text, sent back; only its `text` is used (the rest is the
    client's copy and is not trusted)."""

    text = serializers.CharField(max_length=500)


class ExecuteCommandInput(StrictSerializer):
    command = CommandInput()


class AnalyzeInput(StrictSerializer):
    # The app sends ids as numbers, or "C<digits>" placeholders when it has none.
    sender_id = serializers.JSONField(required=False)
    recipient_id = serializers.IntegerField(min_value=1)
    amount = MoneyField()
    # Sent by the app, not used: the server scores with the real balances, as a payment would.
    sender_balance = serializers.JSONField(required=False)
    recipient_balance = serializers.JSONField(required=False)
    transaction_type = serializers.CharField(max_length=32, required=False)


# --- UPI PIN: the app's field names; the digits are checked by accounts' PinField ---------------
class _ConfirmedNewPin(StrictSerializer):
    def validate(self, attrs: dict) -> dict:
        # The app sends the new PIN twice; the service takes it once.
        if attrs["new_pin"] != attrs["confirm_pin"]:
            raise serializers.ValidationError({"confirm_pin": ["The two PINs do not match."]})
        return attrs


class PinSetupInput(StrictSerializer):
    pin = PinField()
    confirm_pin = PinField()


class PinVerifyInput(StrictSerializer):
    pin = PinField()


class PinChangeInput(_ConfirmedNewPin):
    current_pin = PinField()
    new_pin = PinField()
    confirm_pin = PinField()


class PinResetInput(_ConfirmedNewPin):
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    new_pin = PinField()
    confirm_pin = PinField()
