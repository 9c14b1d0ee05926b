"""Classic rows: payments/balance, payments/send, payments/request — bodies as the app sends them
(amounts as JSON numbers), fields it reads as numbers, and the same money path as /api/."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.models import Account, IdempotencyKey, Transaction
from notifications.models import Notification
from payments.models import MoneyRequest

pytestmark = pytest.mark.django_db
API = "/classic/api"


def balance(user) -> Decimal:
    return Account.objects.get(owner=user, is_primary=True).balance


def test_balance_reads_total_balance_as_a_number(auth_client, alice):
    res = auth_client(alice).get(f"{API}/payments/balance")
    assert res.status_code == 200
    assert res.json()["total_balance"] == 10000.0 and isinstance(res.json()["total_balance"], float)


def test_send_by_user_id_moves_money_and_answers_new_balance(auth_client, alice, bob,
                                                             django_capture_on_commit_callbacks):
    body = {"receiver_id": bob.pk, "amount": 250.5, "description": "lunch"}
    with django_capture_on_commit_callbacks(execute=True):
        res = auth_client(alice).post(f"{API}/payments/send", body, format="json")
    assert res.status_code == 201, res.json()
    data = res.json()
    assert data["new_balance"] == 9749.5 and isinstance(data["new_balance"], float)
    assert isinstance(data["message"], str) and data["success"] is True
    assert data["transaction"]["amount"] == 250.5 and data["transaction"]["status"] == "completed"
    assert balance(alice) == Decimal("9749.50") and balance(bob) == Decimal("10250.50")
    txn = Transaction.objects.get(kind="payment")
    assert txn.description == "lunch"
    # The same notifications as /api/: both parties get their stored notification.
    assert Notification.objects.filter(user=bob).exists() and Notification.objects.filter(user=alice).exists()


def test_send_held_for_review_is_202_with_money_reserved(auth_client, alice, bob, scripted_risk):
    scripted_risk.decision = "hold"
    res = auth_client(alice).post(f"{API}/payments/send", {"receiver_id": bob.pk, "amount": 100, "description": ""},
                                  format="json")
    assert res.status_code == 202
    assert res.json()["status"] == "held" and "held" in res.json()["message"]
    assert res.json()["available"] == 9900.0 and balance(bob) == Decimal("10000.00")


def test_send_declined_is_a_string_error(auth_client, alice, bob, scripted_risk):
    scripted_risk.decision = "decline"
    res = auth_client(alice).post(f"{API}/payments/send", {"receiver_id": bob.pk, "amount": 100, "description": ""},
                                  format="json")
    assert res.status_code == 422
    assert isinstance(res.json()["error"], str) and res.json()["code"] == "transaction_declined"
    assert balance(bob) == Decimal("10000.00")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"receiver_id": 999999, "amount": 1, "description": ""}, 404, "payee_not_found"),
        ({"receiver_id": "me", "amount": 1, "description": ""}, 400, "validation_error"),
        ({"receiver_id": 1, "amount": 1.005, "description": ""}, 400, "invalid_amount"),
        ({"receiver_id": 1, "amount": 0, "description": ""}, 400, "invalid_amount"),
        ({"receiver_id": 1, "amount": -5, "description": ""}, 400, "invalid_amount"),
        ({"receiver_id": 1, "amount": "NaN", "description": ""}, 400, "invalid_amount"),
        ({"receiver_id": 1, "amount": 1, "description": "", "extra": 1}, 400, "validation_error"),
        ({"receiver_id": 1, "amount": 10000000, "description": ""}, 400, "invalid_amount"),
    ],
)
def test_send_bad_input_is_4xx_with_a_string_error(auth_client, alice, body, status, code):
    res = auth_client(alice).post(f"{API}/payments/send", body, format="json")
    assert res.status_code == status, res.json()
    assert res.json()["code"] == code and isinstance(res.json()["error"], str) and res.json()["error"]
    assert Transaction.objects.filter(kind="payment").count() == 0


def test_send_to_self_is_refused(auth_client, alice):
    res = auth_client(alice).post(f"{API}/payments/send", {"receiver_id": alice.pk, "amount": 1, "description": ""},
                                  format="json")
    assert res.status_code == 400 and res.json()["code"] == "self_transfer"


def test_send_insufficient_funds(auth_client, alice, bob):
    res = auth_client(alice).post(f"{API}/payments/send", {"receiver_id": bob.pk, "amount": 20000, "description": ""},
                                  format="json")
    assert res.status_code in (400, 422) and isinstance(res.json()["error"], str)
    assert res.json()["code"] in {"insufficient_funds", "limit_exceeded", "invalid_amount"}
    assert balance(bob) == Decimal("10000.00")


def test_send_idempotency_key_replays_and_conflicts(auth_client, alice, bob):
    client = auth_client(alice)
    body = {"receiver_id": bob.pk, "amount": 10, "description": ""}
    first = client.post(f"{API}/payments/send", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(f"{API}/payments/send", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json()["new_balance"] == 9990.0
    assert balance(bob) == Decimal("10010.00") and IdempotencyKey.objects.count() == 1
    other = client.post(f"{API}/payments/send", {**body, "amount": 11}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 409 and isinstance(other.json()["error"], str)


def test_send_stored_refusal_replays_as_a_string_error(auth_client, alice, bob):
    client = auth_client(alice)
    body = {"receiver_id": bob.pk, "amount": 20000, "description": ""}
    first = client.post(f"{API}/payments/send", body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    again = client.post(f"{API}/payments/send", body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert first.status_code == again.status_code and first.status_code >= 400
    assert isinstance(again.json()["error"], str) and again.json()["error"] == first.json()["error"]


def test_request_from_user_id_creates_a_money_request(auth_client, alice, bob, django_capture_on_commit_callbacks):
    body = {"from_user_id": bob.pk, "amount": 75.25, "note": "movie"}
    with django_capture_on_commit_callbacks(execute=True):
        res = auth_client(alice).post(f"{API}/payments/request", body, format="json")
    assert res.status_code == 201, res.json()
    assert isinstance(res.json()["message"], str) and res.json()["request"]["amount"] == 75.25
    request = MoneyRequest.objects.get()
    assert (request.requester, request.payer, request.amount, request.note) == (alice, bob, Decimal("75.25"), "movie")
    assert Notification.objects.filter(user=bob).exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [({"from_user_id": 999999, "amount": 1, "note": ""}, 404), ({"from_user_id": 1, "amount": "abc", "note": ""}, 400),
     ({"amount": 1, "note": ""}, 400)],
)
def test_request_bad_input(auth_client, alice, body, status):
    res = auth_client(alice).post(f"{API}/payments/request", body, format="json")
    assert res.status_code == status and isinstance(res.json()["error"], str)
    assert MoneyRequest.objects.count() == 0


def test_payments_need_the_token(api_client, bob):
    res = api_client.post(f"{API}/payments/send", {"receiver_id": bob.pk, "amount": 1, "description": ""}, format="json")
    assert res.status_code == 401 and isinstance(res.json()["error"], str)
