"""The tamper-evident chain of completed transactions, and single-use QR payment codes.

- `Block`: one signed, proof-of-work header (see chain.crypto for the exact header bytes).
- `Seal`: a transaction's membership in a block, at a position, with the salt of its leaf's
  private commitment and the leaf hash as sealed. Unique on transaction: sealed exactly once.
- `ChainHead`: a single row pointing at the newest block. Miners lock it (`select_for_update`)
  to append, so two miners can never both extend the same block (no forks).
- `QRPayment`: a payee's payment code. Paid at most once, in the same database transaction as
  the money (see chain.qr).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Block(models.Model):
    index = models.PositiveBigIntegerField(unique=True)
    previous_hash = models.CharField(max_length=64)
    merkle_root = models.CharField(max_length=64)
    timestamp = models.DateTimeField()
    difficulty = models.PositiveSmallIntegerField()
    nonce = models.PositiveBigIntegerField()
    tx_count = models.PositiveIntegerField()
    hash = models.CharField(max_length=64, unique=True)
    signature = models.CharField(max_length=128)  # Ed25519 over the 32 raw bytes of `hash`, hex
    key_id = models.CharField(max_length=16)  # chain.crypto.public_key_id of the signer

    class Meta:
        ordering = ["index"]

    def __str__(self) -> str:
        return f"block {self.index} {self.hash[:12]}"


class Seal(models.Model):
    block = models.ForeignKey(Block, on_delete=models.PROTECT, related_name="seals")
    position = models.PositiveIntegerField()
    transaction = models.OneToOneField("ledger.Transaction", on_delete=models.PROTECT, related_name="chain_seal")
    salt = models.CharField(max_length=32)  # hex of chain.leaves.SALT_BYTES random bytes
    leaf_hash = models.CharField(max_length=64)  # as sealed; verification recomputes it

    class Meta:
        ordering = ["block", "position"]
        constraints = [models.UniqueConstraint(fields=["block", "position"], name="seal_block_position_unique")]

    def __str__(self) -> str:
        return f"{self.transaction_id} @ {self.block_id}:{self.position}"


class ChainHead(models.Model):
    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    block = models.ForeignKey(Block, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="chain_head_single_row")]

    def __str__(self) -> str:
        return f"head -> {self.block_id}"


class QRPayment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAID = "paid", "Paid"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qr_payments")
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)  # null: open amount
    note = models.CharField(max_length=100, blank=True)
    token_nonce = models.CharField(max_length=32)  # binds a token to this record
    key_id = models.CharField(max_length=8)  # which QR key sealed the token (hex)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="qr_payment"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["payee", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gt=0), name="qr_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="active", transaction__isnull=True) | Q(status="paid", transaction__isnull=False),
                name="qr_paid_has_transaction",
            ),
        ]

    def __str__(self) -> str:
        return f"QR {self.id} {self.status}"
