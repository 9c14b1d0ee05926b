"""QR payment codes end to end through the API: issue, preview, pay once, and every refusal."""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from chain import crypto
from chain.models import QRPayment
from chain.qr import QRClaims, claims_encode
from chain.services import blocks_mine_pending
from ledger.models import Account, Transaction
from ledger.selectors import account_for_user
from ledger.signals import transaction_committed

pytestmark = pytest.mark.django_db
GENERATE, VERIFY, LIST = "/api/blockchain/generate-qr", "/api/blockchain/verify-qr", "/api/blockchain/qr"


@pytest.fixture
def alice(user_factory):
    return user_factory("alice", full_name="Alice Rao")


@pytest.fixture
def bob(user_factory):
    return user_factory("bob", full_name="Bob Das")


def balance(user) -> Decimal:
    return account_for_user(user=user).balance


def issue(client, **body) -> dict:
    response = client.post(GENERATE, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def verify(client, qr_data, key=None, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(VERIFY, {"qr_data": qr_data, **body}, format="json", **headers)


def error(response, status, code):
    assert response.status_code == status, response.json()
    assert response.json()["error"]["code"] == code
    return response.json()["error"]


def flip_bit(token: str, bit: int) -> str:
    raw = bytearray(crypto.b64url_decode_strict(token))
    raw[bit // 8] ^= 1 << (bit % 8)
    return crypto.b64url_encode(bytes(raw))


def test_generate_returns_token_link_and_png(auth_client, alice):
    body = issue(auth_client(alice), amount="500.00", note="rent")
    assert set(body) == {"qr_id", "token", "qr_data", "upi_link", "qr_code_image", "amount", "note", "expires_at", "payee_vpa"}
    assert body["amount"] == "500.00" and body["note"] == "rent" and body["payee_vpa"] == "alice@securebank"
    link = urlsplit(body["upi_link"])
    params = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert link.scheme == "upi" and params["sbqr"] == body["token"] and params["pa"] == "alice@securebank"
    assert params["am"] == "500.00" and params["tr"] == body["qr_id"] and body["qr_data"] == body["upi_link"]
    assert body["qr_code_image"].startswith("data:image/png;base64,")
    assert base64.b64decode(body["qr_code_image"].split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")
    qr = QRPayment.objects.get(pk=body["qr_id"])
    assert qr.status == "active" and qr.payee == alice and qr.amount == Decimal("500.00")
    assert timedelta(minutes=14) < qr.expires_at - timezone.now() <= timedelta(minutes=15)
    # the token holds no plaintext: neither the VPA nor the amount can be read from it
    raw = crypto.b64url_decode_strict(body["token"])
    assert b"alice" not in raw and b"500.00" not in raw


@pytest.mark.parametrize(
    ("body", "field"),
    [({"expires_in": 59}, "expires_in"), ({"expires_in": 86401}, "expires_in"), ({"amount": "0"}, "amount"),
     ({"amount": "1.001"}, "amount"), ({"amount": "100000.01"}, "amount"), ({"note": "x" * 101}, "note"),
     ({"payee": "bob"}, "payee")],
)
def test_generate_rejects_bad_input(auth_client, alice, body, field):
    response = auth_client(alice).post(GENERATE, body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_generate_refused_for_a_frozen_account(auth_client, alice):
    Account.objects.filter(owner=alice).update(status="frozen")
    error(auth_client(alice).post(GENERATE, {}, format="json"), 403, "account_frozen")


def test_preview_then_pay_a_fixed_amount_code_once(auth_client, alice, bob, django_capture_on_commit_callbacks):
    code = issue(auth_client(alice), amount="250.00", note="dinner")
    payer = auth_client(bob)
    preview = verify(payer, code["qr_data"]).json()
    assert preview == {"valid": True, "qr_id": code["qr_id"], "payee": {"name": "Alice Rao", "vpa": "alice@securebank"},
                       "amount": "250.00", "open_amount": False, "note": "dinner", "expires_at": preview["expires_at"]}
    before_alice, before_bob = balance(alice), balance(bob)
    assert QRPayment.objects.get(pk=code["qr_id"]).status == "active"  # a preview changes nothing

    events = []
    transaction_committed.connect(lambda **kw: events.append(kw), weak=False, dispatch_uid="qr-test")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = verify(payer, code["token"], key="qr-pay-1", confirm=True)  # the bare token works too
    finally:
        transaction_committed.disconnect(dispatch_uid="qr-test")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["qr_id"] == code["qr_id"] and body["transaction"]["amount"] == "250.00"
    txn = Transaction.objects.get(pk=body["transaction"]["id"])
    assert (txn.kind, txn.channel, txn.description, txn.status) == ("qr_payment", "qr", "dinner", "completed")
    assert balance(alice) == before_alice + Decimal("250.00") and balance(bob) == before_bob - Decimal("250.00")
    qr = QRPayment.objects.get(pk=code["qr_id"])
    assert qr.status == "paid" and qr.transaction == txn and qr.paid_by == bob and qr.paid_at is not None
    assert [(e["transaction"].pk, e["event"]) for e in events] == [(txn.pk, "completed")]  # notifications hook

    error(verify(payer, code["qr_data"], key="qr-pay-2", confirm=True), 409, "qr_already_used")
    error(verify(payer, code["qr_data"], confirm=True), 409, "qr_already_used")
    error(verify(payer, code["qr_data"]), 409, "qr_already_used")
    assert Transaction.objects.filter(kind="qr_payment").count() == 1 and balance(alice) == before_alice + Decimal("250.00")

    replay = verify(payer, code["token"], key="qr-pay-1", confirm=True)  # same key, same body: the first answer
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true" and replay.json() == body
    error(verify(payer, code["qr_data"], key="qr-pay-1", confirm=True), 409, "idempotency_conflict")

    blocks_mine_pending()  # and it goes into the chain like any payment
    assert auth_client(alice).get(f"/api/transactions/{txn.pk}/proof").status_code == 200


def test_open_amount_rules(auth_client, alice, bob):
    code = issue(auth_client(alice), note="tips")
    assert code["amount"] is None and "am=" not in code["upi_link"]
    payer = auth_client(bob)
    preview = verify(payer, code["qr_data"]).json()
    assert preview["open_amount"] is True and preview["amount"] is None
    assert verify(payer, code["qr_data"], amount="75.50").json()["amount"] == "75.50"
    error(verify(payer, code["qr_data"], confirm=True), 400, "qr_amount_required")
    error(verify(payer, code["qr_data"], confirm=True, amount=None), 400, "qr_amount_required")
    assert verify(payer, code["qr_data"], confirm=True, amount="-1").json()["error"]["code"] == "invalid_amount"
    assert QRPayment.objects.get(pk=code["qr_id"]).status == "active"
    response = verify(payer, code["qr_data"], confirm=True, amount="75.50")
    assert response.status_code == 201 and response.json()["transaction"]["amount"] == "75.50"

    fixed = issue(auth_client(alice), amount="10.00")
    error(verify(payer, fixed["qr_data"], amount="10.00"), 400, "qr_amount_fixed")
    error(verify(payer, fixed["qr_data"], confirm=True, amount="99.00"), 400, "qr_amount_fixed")
    assert QRPayment.objects.get(pk=fixed["qr_id"]).status == "active"


def test_expired_code_is_410_and_listed_as_expired(auth_client, alice, bob, monkeypatch):
    code = issue(auth_client(alice), amount="5.00", expires_in=60)
    later = timezone.now() + timedelta(seconds=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    error(verify(auth_client(bob), code["qr_data"]), 410, "qr_expired")
    error(verify(auth_client(bob), code["qr_data"], confirm=True, key="late-1"), 410, "qr_expired")
    assert [q["status"] for q in auth_client(alice).get(LIST).json()["results"]] == ["expired"]
    monkeypatch.undo()
    assert Transaction.objects.filter(kind="qr_payment").count() == 0


def test_paying_your_own_code_is_refused(auth_client, alice):
    code = issue(auth_client(alice), amount="5.00")
    error(verify(auth_client(alice), code["qr_data"]), 400, "self_transfer")
    error(verify(auth_client(alice), code["qr_data"], confirm=True), 400, "self_transfer")


def test_a_flipped_bit_anywhere_in_the_token_is_qr_invalid(auth_client, alice, bob):
    code = issue(auth_client(alice), amount="5.00")
    payer = auth_client(bob)
    bits = len(crypto.b64url_decode_strict(code["token"])) * 8
    for bit in sorted({0, 7, 8, 39, 40, 135, 136, bits // 2, bits - 129, bits - 128, bits - 1}):  # every region
        error(verify(payer, flip_bit(code["token"], bit), confirm=True), 400, "qr_invalid")
    link = code["upi_link"].replace(code["token"], flip_bit(code["token"], 200))
    error(verify(payer, link, confirm=True), 400, "qr_invalid")
    for junk in ["hello", "upi://pay?pa=alice@securebank&am=5.00", code["token"][:-2], code["token"] + "A"]:
        error(verify(payer, junk), 400, "qr_invalid")
    assert QRPayment.objects.get(pk=code["qr_id"]).status == "active"
    assert verify(payer, code["qr_data"], confirm=True).status_code == 201  # the genuine one still pays


def test_wrong_key_and_key_rotation(auth_client, alice, bob, settings):
    old_key, new_key = bytes(settings.QR_ENCRYPTION_KEY), secrets.token_bytes(32)
    before = issue(auth_client(alice), amount="5.00")
    payer = auth_client(bob)

    settings.QR_ENCRYPTION_KEY = new_key  # rotated, old key still configured
    settings.QR_ENCRYPTION_KEYS_OLD = [old_key]
    assert verify(payer, before["qr_data"]).status_code == 200
    after = issue(auth_client(alice), amount="6.00")
    kid = lambda token: crypto.b64url_decode_strict(token)[1:5]  # noqa: E731
    assert kid(after["token"]) == crypto.token_key_id(new_key) != kid(before["token"]) == crypto.token_key_id(old_key)
    assert QRPayment.objects.get(pk=after["qr_id"]).key_id == crypto.token_key_id(new_key).hex()

    settings.QR_ENCRYPTION_KEYS_OLD = []  # old key removed: its codes are dead
    error(verify(payer, before["qr_data"]), 400, "qr_invalid")
    error(verify(payer, before["qr_data"], confirm=True), 400, "qr_invalid")
    assert verify(payer, after["qr_data"], confirm=True).status_code == 201

    settings.QR_ENCRYPTION_KEY = secrets.token_bytes(32)  # a wrong key altogether
    error(verify(payer, after["qr_data"]), 400, "qr_invalid")


def test_authentic_tokens_that_do_not_match_a_record_are_invalid(auth_client, alice, bob, settings):
    payer = auth_client(bob)
    key = bytes(settings.QR_ENCRYPTION_KEY)
    claims = QRClaims(qr_id=uuid.uuid4(), payee_vpa=alice.vpa, amount=Decimal("1.00"),
                      expires_at=timezone.now().replace(microsecond=0) + timedelta(minutes=5), nonce="00" * 16)
    error(verify(payer, crypto.token_seal(key=key, plaintext=claims_encode(claims))), 400, "qr_invalid")  # no such code

    code = issue(auth_client(alice), amount="5.00")
    qr = QRPayment.objects.get(pk=code["qr_id"])
    forged = QRClaims(qr_id=qr.id, payee_vpa=alice.vpa, amount=Decimal("5.00"), expires_at=qr.expires_at, nonce="11" * 16)
    error(verify(payer, crypto.token_seal(key=key, plaintext=claims_encode(forged))), 400, "qr_invalid")  # another nonce
    error(verify(payer, crypto.token_seal(key=key, plaintext=b'{"v":1}')), 400, "qr_invalid")  # malformed claims

    QRPayment.objects.filter(pk=qr.pk).update(amount=Decimal("5000.00"))  # the row no longer says what the code says
    error(verify(payer, code["qr_data"], confirm=True), 400, "qr_invalid")
    assert Transaction.objects.filter(kind="qr_payment").count() == 0


def test_declined_payment_leaves_the_code_usable_and_held_consumes_it(auth_client, alice, bob, chain_settings):
    code = issue(auth_client(alice), amount="40.00")
    payer = auth_client(bob)
    chain_settings.decision = "decline"
    error(verify(payer, code["qr_data"], confirm=True, key="d-1"), 422, "transaction_declined")
    assert QRPayment.objects.get(pk=code["qr_id"]).status == "active"
    assert Transaction.objects.filter(kind="qr_payment", status="declined").count() == 1
    chain_settings.decision = "hold"
    response = verify(payer, code["qr_data"], confirm=True, key="d-2")
    assert response.status_code == 202 and response.json()["transaction"]["status"] == "held"
    qr = QRPayment.objects.get(pk=code["qr_id"])
    assert qr.status == "paid" and qr.transaction.status == "held"
    error(verify(payer, code["qr_data"], confirm=True, key="d-3"), 409, "qr_already_used")


def test_transfer_refusals_leave_the_code_unpaid(auth_client, alice, user_factory):
    code = issue(auth_client(alice), amount="900.00")
    poor = user_factory(balance="100.00")
    error(verify(auth_client(poor), code["qr_data"], confirm=True), 422, "insufficient_funds")
    Account.objects.filter(owner=alice).update(status="frozen")
    rich = user_factory()
    error(verify(auth_client(rich), code["qr_data"], confirm=True), 403, "account_frozen")
    qr = QRPayment.objects.get(pk=code["qr_id"])
    assert qr.status == "active" and qr.transaction is None


def test_list_shows_only_own_codes_with_status(auth_client, alice, bob):
    paid = issue(auth_client(alice), amount="1.00")
    active = issue(auth_client(alice))
    issue(auth_client(bob), amount="3.00")
    verify(auth_client(bob), paid["qr_data"], confirm=True)
    body = auth_client(alice).get(LIST).json()
    assert [(q["qr_id"], q["status"]) for q in body["results"]] == [(active["qr_id"], "active"), (paid["qr_id"], "paid")]
    paid_row = body["results"][1]
    assert paid_row["paid_by"] == "Bob Das" and paid_row["transaction_status"] == "completed" and paid_row["amount"] == "1.00"
    assert [q["qr_id"] for q in auth_client(alice).get(LIST, {"status": "paid"}).json()["results"]] == [paid["qr_id"]]
    assert [q["qr_id"] for q in auth_client(alice).get(LIST, {"status": "active"}).json()["results"]] == [active["qr_id"]]
    assert auth_client(alice).get(LIST, {"status": "expired"}).json()["results"] == []
    assert auth_client(alice).get(LIST, {"status": "bogus"}).status_code == 400


def test_qr_endpoints_need_authentication(api_client):
    assert api_client.post(GENERATE, {}, format="json").status_code == 401
    assert api_client.post(VERIFY, {"qr_data": "x"}, format="json").status_code == 401
    assert api_client.get(LIST).status_code == 401
