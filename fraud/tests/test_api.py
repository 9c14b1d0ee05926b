"""The fraud endpoints, and transfers through the API with the real assessor."""

from __future__ import annotations

import pytest

from fraud import registry
from fraud.models import FraudAlert
from fraud.scoring import MODEL_UNAVAILABLE_REASON
from fraud.tests.conftest import TEST_VERSION
from fraud.tests.factories import held_transfer, make_user, primary_account
from ledger.models import Transaction
from securebank.audit import AuditEvent


@pytest.fixture
def operator(db):
    return make_user("opsy", is_staff=True)


# --- POST /api/fraud/check -----------------------------------------------------------------------
@pytest.mark.parametrize("payee", [{"to_vpa": "bob@securebank"}, {"to_phone": "+91 91234 56780"},
                                   {"to_username": "BOB"}, {"to_account": None}])
def test_check_scores_without_moving_money(active_fraud_model, alice, bob, auth_client, payee):
    if "to_account" in payee:
        payee = {"to_account": primary_account(bob).number}
    before = Transaction.objects.count()
    res = auth_client(alice).post("/api/fraud/check", {"amount": "10000.00", **payee}, format="json")
    assert res.status_code == 200, res.json()
    body = res.json()
    assert body["decision"] == "decline" and body["risk_level"] == "critical"
    assert body["probability"] >= 0.95 and body["model_version"] == TEST_VERSION and body["degraded"] is False
    assert "moves the entire balance" in body["reasons"]
    assert set(body) == {"probability", "risk_level", "decision", "reasons", "model_version", "degraded"}
    assert Transaction.objects.count() == before and not FraudAlert.objects.exists()


def test_check_low_risk_and_fail_closed(alice, bob, auth_client, active_fraud_model, monkeypatch):
    monkeypatch.setattr(registry, "RECHECK_SECONDS", 0.0)  # see the deletion at once
    client = auth_client(alice)
    low = client.post("/api/fraud/check", {"amount": 150, "to_vpa": "bob@securebank"}, format="json").json()
    assert low["decision"] == "allow" and low["risk_level"] == "low" and low["reasons"] == []
    active_fraud_model.delete()
    closed = client.post("/api/fraud/check", {"amount": "6000.00", "to_vpa": "bob@securebank"}, format="json").json()
    assert closed == {"probability": None, "risk_level": "unknown", "decision": "hold",
                      "reasons": [MODEL_UNAVAILABLE_REASON], "model_version": None, "degraded": True}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": "10.00"}, 400, "validation_error"),
        ({"amount": "10.00", "to_vpa": "bob@securebank", "to_username": "bob"}, 400, "validation_error"),
        ({"amount": "10.001", "to_vpa": "bob@securebank"}, 400, "invalid_amount"),
        ({"amount": "-5", "to_vpa": "bob@securebank"}, 400, "invalid_amount"),
        ({"amount": "10.00", "to_vpa": "bob@securebank", "extra": 1}, 400, "validation_error"),
        ({"amount": "10.00", "to_vpa": "nobody@securebank"}, 404, "payee_not_found"),
        ({"amount": "10.00", "to_vpa": "alice@securebank"}, 400, "self_transfer"),
    ],
)
def test_check_errors(alice, bob, auth_client, body, status, code):
    res = auth_client(alice).post("/api/fraud/check", body, format="json")
    assert res.status_code == status and res.json()["error"]["code"] == code


def test_endpoints_need_authentication(api_client, db):
    assert api_client.post("/api/fraud/check", {}, format="json").status_code == 401
    assert api_client.get("/api/fraud/alerts").status_code == 401
    assert api_client.post("/api/fraud/alerts/1/review", {"action": "approve"}, format="json").status_code == 401
    assert api_client.get("/api/fraud/model/status").status_code == 401


# --- GET /api/fraud/alerts -----------------------------------------------------------------------
def test_customers_see_their_own_alerts_without_internals(alice, bob, operator, auth_client):
    txn, mine = held_transfer(payer=alice, payee=bob)
    held_transfer(payer=bob, payee=alice)
    res = auth_client(alice).get("/api/fraud/alerts")
    assert res.status_code == 200
    results = res.json()["results"]
    assert [a["id"] for a in results] == [mine.pk]
    alert = results[0]
    assert alert["status"] == "open" and alert["reasons"] == [MODEL_UNAVAILABLE_REASON]
    assert alert["transaction"]["id"] == str(txn.pk) and alert["transaction"]["amount"] == "6000.00"
    assert alert["transaction"]["payee"] == "Bob Iyer" and alert["transaction"]["status"] == "held"
    assert alert["review"] is None  # score, model and review trail are for staff


def test_staff_see_all_alerts_and_filter_by_status(alice, bob, operator, auth_client):
    _, first = held_transfer(payer=alice, payee=bob)
    _, second = held_transfer(payer=bob, payee=alice)
    client = auth_client(operator)
    client.post(f"/api/fraud/alerts/{first.pk}/review", {"action": "reject", "note": "scam call"}, format="json")
    everything = client.get("/api/fraud/alerts").json()["results"]
    assert {a["id"] for a in everything} == {first.pk, second.pk}
    open_only = client.get("/api/fraud/alerts", {"status": "open"}).json()["results"]
    assert [a["id"] for a in open_only] == [second.pk]
    rejected = client.get("/api/fraud/alerts", {"status": "rejected"}).json()["results"][0]
    assert rejected["review"] == {"score": None, "model_version": None, "payer": "alice", "reviewed_by": "opsy",
                                  "note": "scam call",
                                  "operator_reasons": ["no usable fraud model: above the fail-open limit ₹5,000.00"]}
    assert client.get("/api/fraud/alerts", {"status": "bogus"}).status_code == 400


# --- POST /api/fraud/alerts/<id>/review ----------------------------------------------------------
def test_operator_approves_through_the_api(alice, bob, operator, auth_client):
    txn, alert = held_transfer(payer=alice, payee=bob)
    res = auth_client(operator).post(f"/api/fraud/alerts/{alert.pk}/review", {"action": "approve", "note": "ok"},
                                     format="json")
    assert res.status_code == 200, res.json()
    body = res.json()
    assert body["status"] == "approved" and body["transaction"]["status"] == "completed"
    assert body["review"]["reviewed_by"] == "opsy"
    assert AuditEvent.objects.filter(action="fraud.alert.approve", actor=operator).exists()


def test_non_staff_get_403_before_any_lookup(alice, bob, auth_client):
    _, alert = held_transfer(payer=alice, payee=bob)
    client = auth_client(alice)
    for alert_id in (alert.pk, 999_999):  # own alert or no alert: the same answer
        res = client.post(f"/api/fraud/alerts/{alert_id}/review", {"action": "approve"}, format="json")
        assert res.status_code == 403 and res.json()["error"]["code"] == "permission_denied"
    alert.refresh_from_db()
    assert alert.status == "open"


def test_review_errors(alice, bob, operator, auth_client):
    _, alert = held_transfer(payer=alice, payee=bob)
    client = auth_client(operator)
    url = f"/api/fraud/alerts/{alert.pk}/review"
    assert client.post(url, {"action": "maybe"}, format="json").status_code == 400
    assert client.post(url, {"action": "approve", "x": 1}, format="json").status_code == 400
    missing = client.post("/api/fraud/alerts/999999/review", {"action": "approve"}, format="json")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.post(url, {"action": "reject"}, format="json").status_code == 200
    again = client.post(url, {"action": "approve"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "alert_closed"


# --- GET /api/fraud/model/status and /api/health -------------------------------------------------
def test_model_status_is_for_staff_only(active_fraud_model, alice, auth_client):
    """The model's version and metrics tell an attacker what to game: customers get 403."""
    response = auth_client(alice).get("/api/fraud/model/status")
    assert response.status_code == 403
    assert response.json() == {"error": {"code": "permission_denied", "message": response.json()["error"]["message"],
                                         "fields": {}}}
    assert "version" not in response.json() and TEST_VERSION not in response.content.decode()


def test_model_status_and_health_without_a_model(operator, auth_client, api_client):
    body = auth_client(operator).get("/api/fraud/model/status").json()
    assert body["active"] is False and body["version"] is None and body["loaded"] is False
    assert body["health"]["status"] == "degraded" and body["threshold"] == 0.7 and body["fail_open_limit"] == "5000.00"
    health = auth_client(operator).get("/api/health").json()  # the checks are for staff
    assert health["checks"]["fraud_model"]["status"] == "degraded"
    assert health["status"] in {"degraded", "unavailable"}


def test_model_status_and_health_with_a_model(active_fraud_model, operator, auth_client, api_client):
    body = auth_client(operator).get("/api/fraud/model/status").json()
    assert body["active"] is True and body["version"] == TEST_VERSION and body["loaded"] is True
    assert body["metrics"]["auprc"] == 0.99 and body["features"] == active_fraud_model.features
    assert body["block_threshold"] == 0.95 and body["health"] == {"status": "ok", "detail": f"model {TEST_VERSION} loaded"}
    assert auth_client(operator).get("/api/health").json()["checks"]["fraud_model"]["status"] == "ok"
    assert TEST_VERSION not in api_client.get("/api/health").content.decode()  # not for the public


# --- Transfers through the API with the real assessor ---------------------------------------------
def test_transfer_api_answers_201_202_422_by_decision(active_fraud_model, alice, bob, auth_client, settings):
    client = auth_client(alice)
    ok = client.post("/api/transactions/transfer", {"to_username": "bob", "amount": "100.00"}, format="json")
    assert ok.status_code == 201 and ok.json()["transaction"]["fraud"]["decision"] == "allow"
    make_user("carol")  # a payee alice never paid: draining the new account to her is declined
    declined = client.post("/api/transactions/transfer", {"to_username": "carol", "amount": "9900.00"}, format="json")
    assert declined.status_code == 422 and declined.json()["error"]["code"] == "transaction_declined"
    settings.FRAUD_BLOCK_THRESHOLD = 1.01  # the model no longer counts toward a decline: one strong signal holds
    held = client.post("/api/transactions/transfer", {"to_username": "carol", "amount": "9900.00"}, format="json")
    assert held.status_code == 202, held.json()
    assert "moves the entire balance" in held.json()["transaction"]["fraud"]["reasons"]
    assert FraudAlert.objects.filter(transaction_id=held.json()["transaction"]["id"]).exists()
