"""POST /api/payments/send, GET /api/payments/resolve and /payees."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.models import Account, Transaction
from payments.tests.factories import make_user

pytestmark = pytest.mark.django_db
SEND = "/api/payments/send"


def balance(user) -> Decimal:
    return Account.objects.get(owner=user, is_primary=True).balance


def test_send_by_vpa_completes_and_returns_the_new_balance(alice, bob, auth_client):
    client = auth_client(alice)
    res = client.post(SEND, {"payee": "BOB@securebank", "amount": "250.50", "note": "lunch"}, format="json")
    assert res.status_code == 201, res.json()
    body = res.json()
    assert body["transaction"]["status"] == "completed"
    assert body["transaction"]["kind"] == "payment" and body["transaction"]["channel"] == "upi"
    assert body["transaction"]["amount"] == "250.50" and body["transaction"]["description"] == "lunch"
    assert body["transaction"]["counterparty"]["vpa"] == "bob@securebank"
    assert body["balance"] == "9749.50" and body["available"] == "9749.50"
    assert balance(bob) == Decimal("10250.50")


@pytest.mark.parametrize("payee", ["+91 91234-56780", "bob", "bob@securebank"])
def test_send_by_each_payee_format(alice, bob, auth_client, payee):
    res = auth_client(alice).post(SEND, {"payee": payee, "amount": 5}, format="json")
    assert res.status_code == 201, res.json()
    assert balance(bob) == Decimal("10005.00")


def test_held_is_202_and_declined_is_422_with_the_transaction(alice, bob, auth_client, scripted_risk):
    client = auth_client(alice)
    scripted_risk.decision = "hold"
    res = client.post(SEND, {"payee": "bob", "amount": "100.00"}, format="json")
    assert res.status_code == 202
    assert res.json()["transaction"]["status"] == "held" and res.json()["available"] == "9900.00"
    assert res.json()["balance"] == "10000.00"
    scripted_risk.decision = "decline"
    res = client.post(SEND, {"payee": "bob", "amount": "100.00"}, format="json")
    assert res.status_code == 422
    error = res.json()["error"]
    assert error["code"] == "transaction_declined" and error["transaction"]["status"] == "declined"
    assert Transaction.objects.filter(status="declined").count() == 1  # recorded, committed
    assert balance(bob) == Decimal("10000.00")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"payee": "nobody", "amount": "1.00"}, 404, "payee_not_found"),
        ({"payee": "alice", "amount": "1.00"}, 400, "self_transfer"),
        ({"payee": "bob", "amount": "0"}, 400, "invalid_amount"),
        ({"payee": "bob", "amount": "1.001"}, 400, "invalid_amount"),
        ({"payee": "bob", "amount": "-5"}, 400, "invalid_amount"),
        ({"payee": "bob", "amount": "20000.00"}, 422, "insufficient_funds"),
        ({"payee": "bob"}, 400, "validation_error"),
        ({"payee": "bob", "amount": "1.00", "to": "x"}, 400, "validation_error"),
        ({"payee": "bob", "amount": "1.00", "note": "n" * 141}, 400, "validation_error"),
    ],
)
def test_send_refusals(alice, bob, auth_client, body, status, code):
    res = auth_client(alice).post(SEND, body, format="json")
    assert res.status_code == status, res.json()
    assert res.json()["error"]["code"] == code
    assert balance(alice) == Decimal("10000.00") and balance(bob) == Decimal("10000.00")


def test_frozen_payee_is_refused(alice, bob, auth_client):
    Account.objects.filter(owner=bob).update(status=Account.Status.FROZEN)
    res = auth_client(alice).post(SEND, {"payee": "bob", "amount": "1.00"}, format="json")
    assert res.status_code == 403 and res.json()["error"]["code"] == "account_frozen"


def test_idempotency_key_pays_once_and_replays(alice, bob, auth_client):
    client = auth_client(alice)
    body = {"payee": "bob", "amount": "10.00"}
    first = client.post(SEND, body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    again = client.post(SEND, body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert balance(bob) == Decimal("10010.00")
    other = client.post(SEND, {"payee": "bob", "amount": "11.00"}, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    assert balance(bob) == Decimal("10010.00")


def test_send_needs_authentication(api_client, bob):
    res = api_client.post(SEND, {"payee": "bob", "amount": "1.00"}, format="json")
    assert res.status_code == 401 and res.json()["error"]["code"] == "not_authenticated"


def test_send_is_throttled_with_the_payments_scope(alice, bob, auth_client, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, "payments": "2/min"})
    client = auth_client(alice)
    codes = [client.post(SEND, {"payee": "bob", "amount": "1.00"}, format="json").status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert balance(bob) == Decimal("10002.00")


def test_resolve_shows_who_will_be_paid(alice, bob, auth_client):
    res = auth_client(alice).get("/api/payments/resolve", {"payee": "+91 91234 56780"})
    assert res.status_code == 200
    assert res.json() == {"display_name": "Bob Iyer", "full_name": "Bob Iyer", "username": "bob", "vpa": "bob@securebank"}
    missing = auth_client(alice).get("/api/payments/resolve", {"payee": "bo"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "payee_not_found"
    assert auth_client(alice).get("/api/payments/resolve").status_code == 400


def test_payees_lists_recent_payees(alice, bob, auth_client):
    make_user("carol")
    client = auth_client(alice)
    client.post(SEND, {"payee": "carol", "amount": "1.00"}, format="json")
    client.post(SEND, {"payee": "bob", "amount": "1.00"}, format="json")
    res = client.get("/api/payments/payees")
    assert res.status_code == 200
    assert [p["username"] for p in res.json()] == ["bob", "carol"]
    assert set(res.json()[0]) == {"user_id", "display_name", "full_name", "username", "vpa", "last_paid_at", "count"}
    assert client.get("/api/payments/payees", {"limit": 0}).status_code == 400
