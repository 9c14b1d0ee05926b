"""Classic rows: blockchain/generate-qr, speech/parse-text, speech/execute-command, fraud/health,
fraud/analyze — exact bodies, fields read, types; and what stays behind the token."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from chain.models import QRPayment
from ledger.models import Transaction
from ledger.selectors import account_primary_for_user_id
from ledger.services import transfer_create
from securebank import clock

pytestmark = pytest.mark.django_db
API = "/classic/api"


def test_generate_qr_reads_image_amount_payment_id_hash_expiry(auth_client, alice):
    body = {"amount": 150.5, "description": "chai", "expires_in_minutes": 5}
    res = auth_client(alice).post(f"{API}/blockchain/generate-qr", body, format="json")
    assert res.status_code == 201, res.json()
    data = res.json()
    assert data["qr_image"].startswith("data:image/png;base64,") and data["qr_code_image"] == data["qr_image"]
    assert data["amount"] == 150.5 and isinstance(data["amount"], float)
    assert re.fullmatch(r"[0-9a-f]{64}", data["blockchain_hash"])
    qr = QRPayment.objects.get(pk=data["payment_id"])
    assert (qr.payee, qr.amount, qr.note) == (alice, Decimal("150.50"), "chai")
    assert 290 <= (qr.expires_at - qr.created_at).total_seconds() <= 300
    assert data["expires_at"] == clock.timestamp(qr.expires_at)


def test_generate_qr_open_amount(auth_client, alice):
    res = auth_client(alice).post(f"{API}/blockchain/generate-qr",
                                  {"amount": None, "description": "", "expires_in_minutes": 5}, format="json")
    assert res.status_code == 201 and res.json()["amount"] is None


@pytest.mark.parametrize("body", [{"amount": 1.234, "description": "", "expires_in_minutes": 5},
                                  {"amount": 10, "description": "", "expires_in_minutes": 0},
                                  {"amount": 10, "description": "", "expires_in_minutes": "soon"},
                                  {"amount": 10, "description": "x" * 101, "expires_in_minutes": 5}])
def test_generate_qr_bad_input(auth_client, alice, body):
    res = auth_client(alice).post(f"{API}/blockchain/generate-qr", body, format="json")
    assert res.status_code == 400 and isinstance(res.json()["error"], str)
    assert not QRPayment.objects.exists()


def pay(payer, payee, amount="10.00"):
    """A completed payment: makes `payee` one of `payer`'s contacts (voice matches names among them)."""
    return transfer_create(payer=payer, payee_account=account_primary_for_user_id(user_id=payee.pk),
                           amount=Decimal(amount), kind=Transaction.Kind.PAYMENT, channel="upi", description="")


def test_parse_text_then_execute_command_gives_payment_details(auth_client, alice, bob):
    pay(alice, bob)
    client = auth_client(alice)
    res = client.post(f"{API}/speech/parse-text", {"text": "pay Bob Iyer 500"}, format="json")
    assert res.status_code == 200, res.json()
    data = res.json()
    assert data["success"] is True and data["parsed"]["intent"] == "payment"
    assert data["parsed"]["params"]["resolved_user"]["id"] == bob.pk and data["parsed"]["amount"] == 500.0
    # The app sends `parsed` back as `command`; the server re-reads its text, not its fields.
    tampered = {**data["parsed"], "recipientId": alice.pk, "amount": 1}
    res = client.post(f"{API}/speech/execute-command", {"command": tampered}, format="json")
    assert res.status_code == 200, res.json()
    execution = res.json()
    assert execution["confirmation_required"] is True and isinstance(execution["message"], str)
    details = execution["payment_details"]
    assert details == {"receiver_id": bob.pk, "recipient_name": "Bob Iyer", "receiver_name": "Bob Iyer",
                       "receiver_upi": "bob@securebank", "amount": 500.0}
    assert Transaction.objects.filter(kind="payment").count() == 1  # nothing paid by voice itself


def test_parse_text_balance_and_unknown(auth_client, alice):
    client = auth_client(alice)
    parsed = client.post(f"{API}/speech/parse-text", {"text": "what is my balance"}, format="json").json()
    assert parsed["success"] is True and parsed["parsed"]["action"] == "balance_check"
    res = client.post(f"{API}/speech/execute-command", {"command": parsed["parsed"]}, format="json")
    assert res.status_code == 200 and res.json()["balance"]["total"] == 10000.0
    assert "confirmation_required" not in res.json()
    unknown = client.post(f"{API}/speech/parse-text", {"text": "sing me a song"}, format="json").json()
    assert unknown["success"] is False and isinstance(unknown["parsed"]["message"], str)
    res = client.post(f"{API}/speech/execute-command", {"command": unknown["parsed"]}, format="json")
    assert res.status_code == 400 and isinstance(res.json()["error"], str)


def test_execute_command_unknown_payee_is_a_string_error(auth_client, alice):
    res = auth_client(alice).post(f"{API}/speech/execute-command", {"command": {"text": "pay zzyzx 50"}}, format="json")
    assert res.status_code == 400 and res.json()["code"] == "recipient_not_found" and isinstance(res.json()["error"], str)


@pytest.mark.parametrize(("path", "body"), [("parse-text", {}), ("parse-text", {"text": ""}),
                                            ("parse-text", {"text": 5 * "x" * 200}),
                                            ("execute-command", {"command": "pay bob 5"}),
                                            ("execute-command", {"command": {}}), ("execute-command", {})])
def test_speech_bad_input(auth_client, alice, path, body):
    res = auth_client(alice).post(f"{API}/speech/{path}", body, format="json")
    assert res.status_code == 400 and isinstance(res.json()["error"], str)


def test_fraud_health_is_public_and_says_only_status(api_client):
    res = api_client.get(f"{API}/fraud/health")
    assert res.status_code == 200
    data = res.json()
    assert set(data) == {"status", "model_loaded"}
    assert data["status"] in {"healthy", "degraded"} and isinstance(data["model_loaded"], bool)
    assert (data["status"] == "healthy") == data["model_loaded"]


ANALYZE = {"sender_id": 1, "recipient_id": 2, "amount": 2500, "sender_balance": 10000, "recipient_balance": 0,
           "transaction_type": "transfer"}


def test_analyze_without_token_is_refused_not_an_oracle(api_client, bob):
    res = api_client.post(f"{API}/fraud/analyze", {**ANALYZE, "recipient_id": bob.pk}, format="json")
    assert res.status_code == 401 and isinstance(res.json()["error"], str)
    assert "fraud_probability" not in res.json()


def test_analyze_with_token_scores_like_a_payment(auth_client, alice, bob, scripted_risk):
    body = {**ANALYZE, "sender_id": alice.pk, "recipient_id": bob.pk}
    res = auth_client(alice).post(f"{API}/fraud/analyze", body, format="json")
    assert res.status_code == 200, res.json()
    data = res.json()
    assert isinstance(data["is_fraud"], bool) and isinstance(data["should_block"], bool)
    assert isinstance(data["requires_review"], bool) and isinstance(data["risk_factors"], list)
    assert isinstance(data["risk_level"], str) and isinstance(data["recommendation"], str)
    assert data["fraud_probability"] is None or isinstance(data["fraud_probability"], float)
    assert Transaction.objects.filter(kind="payment").count() == 0  # a preview moves nothing


def test_analyze_placeholder_ids_are_a_string_error(auth_client, alice):
    body = {**ANALYZE, "sender_id": "C1700000000", "recipient_id": "C1700000000"}
    res = auth_client(alice).post(f"{API}/fraud/analyze", body, format="json")
    assert res.status_code == 400 and isinstance(res.json()["error"], str)
