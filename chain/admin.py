"""Operator views of the chain and QR codes: read-only. Blocks are written only by the miner;
an edit here would be tampering (and verify_chain would say so)."""

from __future__ import annotations

from django.contrib import admin

from chain.models import Block, QRPayment, Seal


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Block)
class BlockAdmin(ReadOnly):
    list_display = ("index", "hash", "tx_count", "difficulty", "timestamp", "key_id")
    search_fields = ("hash",)


@admin.register(Seal)
class SealAdmin(ReadOnly):
    list_display = ("transaction", "block", "position", "leaf_hash")
    search_fields = ("transaction__id", "transaction__reference")
    list_select_related = ("block", "transaction")


@admin.register(QRPayment)
class QRPaymentAdmin(ReadOnly):
    list_display = ("id", "payee", "amount", "status", "created_at", "expires_at", "paid_at")
    list_filter = ("status",)
    search_fields = ("id", "payee__username")
    list_select_related = ("payee",)
