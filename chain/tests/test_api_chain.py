"""Chain endpoints, and the independent proof verifier from docs/chain.md against real proofs."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from chain.crypto import signature_valid
from chain.models import Block, Seal
from chain.services import blocks_mine_pending
from chain.tests.factories import pay, sealed_chain
from ledger.models import Transaction

pytestmark = pytest.mark.django_db
DOC = Path(settings.BASE_DIR) / "docs" / "chain.md"


def doc_verifier():
    """`verify_proof` exactly as docs/chain.md prints it."""
    text = DOC.read_text()
    code = re.search(r"<!-- verifier:start -->\n```python\n(.*?)```\n<!-- verifier:end -->", text, re.S).group(1)
    assert len(code.strip().splitlines()) <= 25
    namespace: dict = {}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify_proof"]


@pytest.fixture
def chain():
    users, blocks = sealed_chain(transfers=6, max_tx=5)  # blocks of 5 and 3: uneven trees
    return users, blocks


def test_endpoints_need_authentication(api_client):
    for path in ["/api/blockchain/chain", "/api/blockchain/head", "/api/blockchain/blocks/0",
                 "/api/transactions/00000000-0000-0000-0000-000000000000/proof"]:
        response = api_client.get(path)
        assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_chain_lists_blocks_newest_first_in_pages(auth_client, chain):
    users, blocks = chain
    client = auth_client(users[0])
    first = client.get("/api/blockchain/chain", {"limit": 2}).json()
    assert [b["index"] for b in first["results"]] == [2, 1]
    second = client.get(first["next"]).json()
    assert [b["index"] for b in second["results"]] == [0] and second["next"] is None
    top = first["results"][0]
    assert top["hash"] == blocks[-1].hash and top["previous_hash"] == blocks[0].hash
    assert top["header"].startswith("sbchain/1|2|") and top["header"].endswith(f"|{top['nonce']}")
    assert client.get("/api/blockchain/chain", {"limit": 0}).status_code == 400
    assert client.get("/api/blockchain/chain", {"bogus": 1}).status_code == 400


def test_block_detail_lists_transactions_in_leaf_order(auth_client, chain):
    users, blocks = chain
    body = auth_client(users[0]).get(f"/api/blockchain/blocks/{blocks[0].index}").json()
    assert body["transaction_ids"] == [str(t) for t in Seal.objects.filter(block=blocks[0]).order_by("position").values_list("transaction_id", flat=True)]
    assert body["tx_count"] == 5 and body["signature"] == blocks[0].signature
    missing = auth_client(users[0]).get("/api/blockchain/blocks/999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_head_is_signed_by_the_published_key(auth_client, chain):
    users, blocks = chain
    body = auth_client(users[1]).get("/api/blockchain/head").json()
    assert body["block"]["index"] == blocks[-1].index and body["algorithm"] == "Ed25519"
    assert signature_valid(bytes.fromhex(body["public_key"]), bytes.fromhex(body["block"]["hash"]),
                           bytes.fromhex(body["block"]["signature"]))


def test_proofs_verify_independently_for_payer_and_payee(auth_client, chain):
    verify_proof = doc_verifier()
    users, _blocks = chain
    mine = Transaction.objects.filter(payer_account__owner__in=users).exclude(kind="deposit")
    assert mine.count() == 6
    for txn in mine:
        for user in users:  # alice and bob are payer and payee of every one of these
            response = auth_client(user).get(f"/api/transactions/{txn.pk}/proof")
            assert response.status_code == 200
            proof = response.json()
            assert verify_proof(proof, str(txn.pk))
            assert signature_valid(bytes.fromhex(proof["public_key"]), bytes.fromhex(proof["block"]["hash"]),
                                   bytes.fromhex(proof["block"]["signature"]))
            leaf = json.loads(proof["leaf"]["data"])
            assert leaf["amount"] == f"{txn.amount:.2f}" and leaf["reference"] == txn.reference
            # neither party sees the other's account number or balance, nor the fraud score
            for secret in [txn.payer_account.number, txn.payee_account.number, "0.01234", "chain-test-1"]:
                assert secret not in response.content.decode()


def test_the_doc_verifier_rejects_altered_proofs(auth_client, chain):
    verify_proof = doc_verifier()
    users, _blocks = chain
    txn = Transaction.objects.filter(payer_account__owner=users[0]).exclude(kind="deposit").first()
    proof = auth_client(users[0]).get(f"/api/transactions/{txn.pk}/proof").json()
    assert verify_proof(proof, str(txn.pk))
    assert not verify_proof(proof, str(Transaction.objects.exclude(pk=txn.pk).first().pk))

    def altered(change):
        copy = json.loads(json.dumps(proof))
        change(copy)
        return copy

    cases = [
        lambda p: p["leaf"].update(data=p["leaf"]["data"].replace(f'"amount":"{txn.amount:.2f}"', '"amount":"99999.00"')),
        lambda p: p["leaf"].update(index=p["leaf"]["index"] ^ 1),
        lambda p: p.update(tree_size=p["tree_size"] + 1),
        lambda p: p.update(audit_path=p["audit_path"][::-1]),
        lambda p: p.update(audit_path=p["audit_path"][:-1]),
        lambda p: p["block"].update(nonce=p["block"]["nonce"] + 1),
        lambda p: p["block"].update(timestamp=p["block"]["timestamp"].replace("Z", "1Z")),
        lambda p: p["block"].update(merkle_root="0" * 64),
    ]
    for change in cases:
        assert not verify_proof(altered(change), str(txn.pk))


def test_proof_is_404_for_anyone_else_and_409_until_sealed(auth_client, user_factory, chain, chain_settings):
    users, _blocks = chain
    stranger = user_factory()
    txn = Transaction.objects.filter(payer_account__owner=users[0]).exclude(kind="deposit").first()
    response = auth_client(stranger).get(f"/api/transactions/{txn.pk}/proof")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"

    fresh = pay(users[0], users[1], "1.00")
    response = auth_client(users[0]).get(f"/api/transactions/{fresh.pk}/proof")
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_sealed"
    chain_settings.decision = "decline"
    declined = pay(users[0], users[1], "2.00")
    response = auth_client(users[0]).get(f"/api/transactions/{declined.pk}/proof")
    assert response.status_code == 409 and "declined" in response.json()["error"]["message"]
    blocks_mine_pending()
    assert auth_client(users[1]).get(f"/api/transactions/{fresh.pk}/proof").status_code == 200


def test_staff_verification_endpoint(auth_client, user_factory, chain):
    users, _blocks = chain
    denied = auth_client(users[0]).post("/api/blockchain/verify", {}, format="json")
    assert denied.status_code == 403
    staff = auth_client(user_factory(is_staff=True))
    report = staff.post("/api/blockchain/verify", {}, format="json").json()
    assert report["ok"] is True and report["blocks"] == Block.objects.count() and report["failure"] is None
    txn = Transaction.objects.filter(payer_account__owner=users[0]).exclude(kind="deposit").first()
    Transaction.objects.filter(pk=txn.pk).update(amount=Decimal("0.01"))
    report = staff.post("/api/blockchain/verify", {}, format="json").json()
    assert report["ok"] is False
    assert report["failure"]["transaction_id"] == str(txn.pk)
    assert report["failure"]["block_index"] == Seal.objects.get(transaction=txn).block.index
    assert staff.post("/api/blockchain/verify", {"deep": True}, format="json").status_code == 400


def test_miner_health_check(chain, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from chain.health import MINER_LAG, check_miner

    users, _blocks = chain
    assert check_miner()[0] == "ok"
    pay(users[0], users[1], "1.00")
    assert check_miner()[0] == "ok"  # just completed: the miner has time
    later = timezone.now() + MINER_LAG + timedelta(seconds=5)
    monkeypatch.setattr(timezone, "now", lambda: later)
    state, detail = check_miner()
    assert state == "degraded" and "miner behind" in detail
    monkeypatch.undo()
    blocks_mine_pending()
    assert check_miner()[0] == "ok"
