"""Chain reads: blocks, the signed head, inclusion proofs, and a payee's QR codes."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from chain.crypto import HEADER_VERSION, format_timestamp, header_prefix
from chain.exceptions import BlockNotFound, NotSealed
from chain.facts import facts_for_ids
from chain.keys import chain_keys, chain_signer
from chain.leaves import LEAF_VERSION, leaf_data
from chain.merkle import audit_path, leaf_hash
from chain.models import Block, ChainHead, QRPayment, Seal
from ledger.models import Transaction
from ledger.selectors import transaction_get_for_user


def block_header(block: Block) -> dict[str, Any]:
    """A block's header fields as the API shows them, plus the exact bytes that were hashed."""
    prefix = header_prefix(
        index=block.index, previous_hash=block.previous_hash, merkle_root=block.merkle_root,
        timestamp=block.timestamp, difficulty=block.difficulty, tx_count=block.tx_count,
    )
    return {
        "index": block.index,
        "hash": block.hash,
        "previous_hash": block.previous_hash,
        "merkle_root": block.merkle_root,
        "timestamp": format_timestamp(block.timestamp),
        "difficulty": block.difficulty,
        "nonce": block.nonce,
        "tx_count": block.tx_count,
        "header": (prefix + str(block.nonce).encode("ascii")).decode("ascii"),
        "signature": block.signature,
        "key_id": block.key_id,
    }


def blocks_newest_first() -> QuerySet[Block]:
    return Block.objects.order_by("-index")


def block_get(*, index: int) -> tuple[Block, list[str]]:
    """A block and the ids of its transactions in leaf order."""
    block = Block.objects.filter(index=index).first()
    if block is None:
        raise BlockNotFound()
    ids = [str(i) for i in Seal.objects.filter(block=block).order_by("position").values_list("transaction_id", flat=True)]
    return block, ids


def public_key_info(*, key_id: str | None = None) -> dict[str, str]:
    """The public key that signed a block (by the block's `key_id`), or the current signing key."""
    keys = chain_keys()
    key = keys.get(key_id or "") or keys[chain_signer().key_id]
    return {"algorithm": "Ed25519", "public_key": key.public_raw.hex(), "key_id": key.key_id}


def chain_public_keys() -> list[dict[str, Any]]:
    """Every key whose signatures `verify_chain` accepts, in order of use (current last)."""
    keys = sorted(chain_keys().values(), key=lambda k: k.rank)
    return [{"key_id": k.key_id, "public_key": k.public_raw.hex(), "current": k.current} for k in keys]


def chain_head() -> dict[str, Any]:
    """The newest block's header and signature, the key that signed it, and every key in use."""
    head = ChainHead.objects.select_related("block").filter(pk=1).first()
    block = head.block if head is not None else Block.objects.order_by("-index").first()
    if block is None:
        raise BlockNotFound("The chain has no blocks yet.")
    return {
        "block": block_header(block), **public_key_info(key_id=block.key_id),
        "signed_message": "the 32 bytes of the block hash", "keys": chain_public_keys(),
    }


def transaction_proof(*, user: User, transaction_id: UUID) -> dict[str, Any]:
    """Everything an outside verifier needs to check that the caller's transaction is in a
    signed block: the leaf's bytes, its RFC 6962 audit path, and the block header.

    Payer or payee only (anyone else: 404). The leaf shows the transaction's public facts and
    a salted commitment to the rest (counterparty account, balances, fraud fields)."""
    txn = transaction_get_for_user(user=user, transaction_id=transaction_id)
    seal = Seal.objects.select_related("block").filter(transaction_id=txn.pk).first()
    if seal is None:
        if txn.status in (Transaction.Status.COMPLETED, Transaction.Status.REVERSED):
            raise NotSealed("The transaction is not sealed in a block yet; try again in a few seconds.")
        raise NotSealed(f"A {txn.status} transaction is not sealed (only completed ones are).")
    data = leaf_data(facts_for_ids([txn.pk]).of(txn.pk), bytes.fromhex(seal.salt))
    leaf = leaf_hash(data)
    leaves = [bytes.fromhex(h) for h in Seal.objects.filter(block_id=seal.block_id).order_by("position").values_list("leaf_hash", flat=True)]
    return {
        "transaction_id": str(txn.pk),
        "leaf": {"data": data.decode("ascii"), "hash": leaf.hex(), "index": seal.position, "version": LEAF_VERSION},
        "tree_size": len(leaves),
        "audit_path": [h.hex() for h in audit_path(leaves, seal.position)],
        "merkle_root": seal.block.merkle_root,
        "block": block_header(seal.block),
        **public_key_info(key_id=seal.block.key_id),
        "format": {
            "leaf_hash": "SHA-256(0x00 || leaf.data)",
            "node_hash": "SHA-256(0x01 || left || right)",
            "audit_path": "RFC 6962 PATH(leaf.index, tree_size), leaf to root",
            "header": f"{HEADER_VERSION}|index|previous_hash|merkle_root|timestamp|difficulty|tx_count|nonce",
            "block_hash": "SHA-256(header), with `difficulty` leading zero hex digits",
            "signature": "Ed25519 over the 32 bytes of the block hash",
        },
    }


def qr_status(qr: QRPayment, *, now: Any = None) -> str:
    if qr.status == QRPayment.Status.PAID:
        return "paid"
    return "expired" if qr.expires_at <= (now or timezone.now()) else "active"


def qr_list_for_user(*, user: User, status: str | None = None) -> QuerySet[QRPayment]:
    """The caller's own codes (as payee), newest first; `status` is active, paid or expired."""
    qs = QRPayment.objects.filter(payee=user).select_related("transaction", "paid_by")
    now = timezone.now()
    if status == "paid":
        qs = qs.filter(status=QRPayment.Status.PAID)
    elif status == "active":
        qs = qs.filter(status=QRPayment.Status.ACTIVE, expires_at__gt=now)
    elif status == "expired":
        qs = qs.filter(status=QRPayment.Status.ACTIVE, expires_at__lte=now)
    return qs.order_by("-created_at", "-id")
