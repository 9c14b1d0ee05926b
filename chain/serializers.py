"""Input/output shapes of the chain and QR endpoints."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.serializers import payment_pin_field
from chain.qr import DEFAULT_TTL, MAX_TTL, MIN_TTL
from chain.selectors import qr_status
from securebank.money import MoneyField, format_amount
from securebank.serializers import StrictSerializer


class GenerateQRInput(StrictSerializer):
    amount = MoneyField(required=False, allow_null=True, help_text="Omit (or null) for an open-amount code.")
    note = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    expires_in = serializers.IntegerField(
        min_value=int(MIN_TTL.total_seconds()), max_value=int(MAX_TTL.total_seconds()),
        default=int(DEFAULT_TTL.total_seconds()), help_text="Seconds (60 .. 86400, default 900).",
    )


class GenerateQROutput(serializers.Serializer):
    qr_id = serializers.UUIDField()
    token = serializers.CharField(help_text="AES-256-GCM token (base64url).")
    qr_data = serializers.CharField(help_text="What the QR image encodes: the upi:// link.")
    upi_link = serializers.CharField(help_text="upi://pay?...&sbqr=<token>")
    qr_code_image = serializers.CharField(help_text="PNG as a data: URI.")
    amount = serializers.CharField(allow_null=True)
    note = serializers.CharField()
    expires_at = serializers.DateTimeField()
    payee_vpa = serializers.CharField()


class VerifyQRInput(StrictSerializer):
    qr_data = serializers.CharField(max_length=4096, help_text="The scanned text: the upi:// link or the bare token.")
    amount = MoneyField(required=False, allow_null=True, help_text="Only for open-amount codes.")
    confirm = serializers.BooleanField(default=False, help_text="false: preview; true: pay (send an Idempotency-Key).")
    pin = payment_pin_field()


class PartyOutput(serializers.Serializer):
    name = serializers.CharField()
    vpa = serializers.CharField()


class QRPreviewOutput(serializers.Serializer):
    valid = serializers.BooleanField()
    qr_id = serializers.UUIDField()
    payee = PartyOutput()
    amount = serializers.CharField(allow_null=True, help_text="null: the payer must enter one to pay.")
    open_amount = serializers.BooleanField()
    note = serializers.CharField()
    expires_at = serializers.DateTimeField()


class QROutput(serializers.Serializer):
    qr_id = serializers.UUIDField(source="id")
    amount = serializers.SerializerMethodField()
    note = serializers.CharField()
    status = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    paid_by = serializers.SerializerMethodField()
    transaction_id = serializers.UUIDField(allow_null=True)
    transaction_status = serializers.SerializerMethodField()

    def get_amount(self, qr: Any) -> str | None:
        return format_amount(qr.amount)

    def get_status(self, qr: Any) -> str:
        return qr_status(qr)

    def get_paid_by(self, qr: Any) -> str | None:
        return qr.paid_by.display_name if qr.paid_by_id else None

    def get_transaction_status(self, qr: Any) -> str | None:
        return qr.transaction.status if qr.transaction_id else None


class QRListFilter(StrictSerializer):
    status = serializers.ChoiceField(choices=["active", "paid", "expired"], required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100)
    cursor = serializers.CharField(required=False)


class BlockOutput(serializers.Serializer):
    index = serializers.IntegerField()
    hash = serializers.CharField()
    previous_hash = serializers.CharField()
    merkle_root = serializers.CharField()
    timestamp = serializers.CharField(help_text="UTC ISO-8601 with microseconds, exactly as hashed.")
    difficulty = serializers.IntegerField()
    nonce = serializers.IntegerField()
    tx_count = serializers.IntegerField()
    header = serializers.CharField(help_text="The exact bytes whose SHA-256 is `hash`.")
    signature = serializers.CharField(help_text="Ed25519 over the 32 bytes of `hash`, hex.")
    key_id = serializers.CharField()


class BlockDetailOutput(BlockOutput):
    transaction_ids = serializers.ListField(child=serializers.UUIDField())


class ChainKeyOutput(serializers.Serializer):
    key_id = serializers.CharField()
    public_key = serializers.CharField(help_text="Raw 32-byte Ed25519 public key, hex.")
    current = serializers.BooleanField(help_text="False: retired by rotation; it verifies the blocks it signed.")


class HeadOutput(serializers.Serializer):
    block = BlockOutput()
    algorithm = serializers.CharField()
    public_key = serializers.CharField(help_text="Raw 32-byte Ed25519 public key that signed this block, hex.")
    key_id = serializers.CharField()
    signed_message = serializers.CharField()
    keys = ChainKeyOutput(many=True, help_text="Every chain key in order of use, the current one last.")


class ChainListFilter(StrictSerializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100)
    cursor = serializers.CharField(required=False)


class ProofLeafOutput(serializers.Serializer):
    data = serializers.CharField(help_text="Canonical JSON of the transaction's public facts and the private commitment.")
    hash = serializers.CharField()
    index = serializers.IntegerField()
    version = serializers.IntegerField()


class ProofOutput(serializers.Serializer):
    transaction_id = serializers.UUIDField()
    leaf = ProofLeafOutput()
    tree_size = serializers.IntegerField()
    audit_path = serializers.ListField(child=serializers.CharField())
    merkle_root = serializers.CharField()
    block = BlockOutput()
    algorithm = serializers.CharField()
    public_key = serializers.CharField()
    key_id = serializers.CharField()
    format = serializers.DictField(child=serializers.CharField())


class VerifyFailureOutput(serializers.Serializer):
    block_index = serializers.IntegerField(allow_null=True)
    transaction_id = serializers.CharField(allow_null=True)
    reason = serializers.CharField()


class VerifyReportOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    blocks = serializers.IntegerField()
    transactions = serializers.IntegerField()
    seconds = serializers.FloatField()
    head_index = serializers.IntegerField(allow_null=True)
    head_hash = serializers.CharField(allow_null=True)
    pending = serializers.IntegerField()
    failure = VerifyFailureOutput(allow_null=True)


class VerifyChainInput(StrictSerializer):
    """No options: the whole chain is checked."""
