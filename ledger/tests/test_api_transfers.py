from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.tests.factories import make_user
from ledger.models import Account, IdempotencyKey, Transaction

pytestmark = pytest.mark.django_db
URL = "/api/transactions/transfer"


def balance(user) -> Decimal:
    return Account.objects.get(owner=user, is_primary=True).balance


@pytest.fixture
def alice():
    return make_user("alice", full_name="Alice Rao")


@pytest.fixture
def bob():
    return make_user("bob", full_name="Bob Das")


def test_transfer_by_username(auth_client, alice, bob):
    resp = auth_client(alice).post(URL, {"to_username": "BOB", "amount": "250.50", "description": "tea"}, format="json")
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["transaction"]["status"] == "completed"
    assert body["transaction"]["amount"] == "250.50" and body["transaction"]["signed_amount"] == "-250.50"
    assert body["transaction"]["counterparty"]["vpa"] == "bob@securebank"
    assert body["transaction"]["balance_after"] == "9749.50" and body["balance"] == "9749.50"
    assert balance(bob) == Decimal("10250.50")


def test_transfer_by_account_number(auth_client, alice, bob):
    number = Account.objects.get(owner=bob).number
    resp = auth_client(alice).post(URL, {"to_account": number, "amount": 100}, format="json")
    assert resp.status_code == 201
    assert balance(bob) == Decimal("10100.00")


@pytest.mark.parametrize("payload", [
    {"to_username": "nobody", "amount": "1"},
    {"to_account": "99999999999999", "amount": "1"},
    {"to_account": "00000000000001", "amount": "1"},  # the treasury is not a payee
])
def test_unknown_payee_404(auth_client, alice, payload):
    resp = auth_client(alice).post(URL, payload, format="json")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "payee_not_found"


@pytest.mark.parametrize("amount", ["0", "-5", "1.001", "NaN", "Infinity", "1e3", "", True, None, "abc", "100000.01", "12,000", [], {}])
def test_invalid_amounts_rejected(auth_client, alice, bob, amount):
    resp = auth_client(alice).post(URL, {"to_username": "bob", "amount": amount}, format="json")
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "invalid_amount"
    assert balance(alice) == Decimal("10000.00")


@pytest.mark.parametrize("raw", [b"1e3", b"1E3", b"1.0e2", b"0.001", b"-1", b"NaN", b"Infinity", b"true"])
def test_raw_json_number_forms_rejected(auth_client, alice, bob, raw):
    body = b'{"to_username": "bob", "amount": ' + raw + b"}"
    resp = auth_client(alice).post(URL, data=body, content_type="application/json")
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] in {"invalid_amount", "malformed_request"}
    assert balance(alice) == Decimal("10000.00")


def test_json_number_amount_is_exact(auth_client, alice, bob):
    resp = auth_client(alice).post(URL, data=b'{"to_username": "bob", "amount": 0.10}', content_type="application/json")
    assert resp.status_code == 201 and resp.json()["transaction"]["amount"] == "0.10"
    assert balance(bob) == Decimal("10000.10")


def test_errors_in_common_shape(auth_client, alice, bob):
    client = auth_client(alice)
    r = client.post(URL, {"to_username": "alice", "amount": "1"}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "self_transfer"
    r = client.post(URL, {"to_username": "bob", "amount": "10000.01"}, format="json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "insufficient_funds"
    r = client.post(URL, {"to_username": "bob", "to_account": "1", "amount": "1"}, format="json")
    assert r.status_code == 400
    r = client.post(URL, {"to_username": "bob", "amount": "1", "extra": 1}, format="json")
    assert r.status_code == 400 and "extra" in r.json()["error"]["fields"]


def test_limit_exceeded(auth_client, alice, bob, settings):
    settings.DAILY_TRANSFER_LIMIT = Decimal("100.00")
    r = auth_client(alice).post(URL, {"to_username": "bob", "amount": "100.01"}, format="json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "limit_exceeded"


def test_frozen_account(auth_client, alice, bob):
    Account.objects.filter(owner=alice).update(status=Account.Status.FROZEN)
    r = auth_client(alice).post(URL, {"to_username": "bob", "amount": "1"}, format="json")
    assert r.status_code == 403 and r.json()["error"]["code"] == "account_frozen"


def test_requires_authentication(api_client):
    r = api_client.post(URL, {"to_username": "bob", "amount": "1"}, format="json")
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"


def test_held_answers_202_and_declined_422(auth_client, alice, bob, scripted_risk):
    scripted_risk.decision = "hold"
    r = auth_client(alice).post(URL, {"to_username": "bob", "amount": "10"}, format="json")
    assert r.status_code == 202 and r.json()["transaction"]["status"] == "held"
    assert r.json()["available"] == "9990.00" and r.json()["transaction"]["fraud"]["decision"] == "hold"
    scripted_risk.decision = "decline"
    r = auth_client(alice).post(URL, {"to_username": "bob", "amount": "10"}, format="json")
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "transaction_declined" and err["transaction"]["status"] == "declined"
    assert Transaction.objects.filter(status="declined").count() == 1


# --- Idempotency ---------------------------------------------------------------------------------
def test_replay_returns_first_response_without_moving_money(auth_client, alice, bob):
    client = auth_client(alice)
    first = client.post(URL, {"to_username": "bob", "amount": "300"}, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    again = client.post(URL, {"to_username": "bob", "amount": "300"}, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert balance(alice) == Decimal("9700.00")
    assert Transaction.objects.filter(kind="transfer").count() == 1


def test_same_key_different_body_conflicts(auth_client, alice, bob):
    client = auth_client(alice)
    client.post(URL, {"to_username": "bob", "amount": "300"}, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    r = client.post(URL, {"to_username": "bob", "amount": "301"}, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert r.status_code == 409 and r.json()["error"]["code"] == "idempotency_conflict"
    assert balance(alice) == Decimal("9700.00")


def test_keys_are_per_user(auth_client, alice, bob):
    auth_client(alice).post(URL, {"to_username": "bob", "amount": "5"}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    r = auth_client(bob).post(URL, {"to_username": "alice", "amount": "5"}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert r.status_code == 201 and "Idempotent-Replayed" not in r


def test_business_errors_are_replayed_too(auth_client, alice, bob):
    client = auth_client(alice)
    r1 = client.post(URL, {"to_username": "bob", "amount": "20000"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    r2 = client.post(URL, {"to_username": "bob", "amount": "20000"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert r1.status_code == r2.status_code == 422 and r1.json() == r2.json()


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "tab\tkey", "ключ"])
def test_invalid_keys_rejected(auth_client, alice, bob, key):
    r = auth_client(alice).post(URL, {"to_username": "bob", "amount": "5"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_idempotency_key"
    assert balance(alice) == Decimal("10000.00")


def test_failure_after_the_money_commits_nothing_and_the_retry_pays_once(auth_client, alice, bob, monkeypatch):
    """The key, the money and the stored answer share one transaction: an unexpected error
    while building the answer leaves no key and no money behind, and the retry pays once."""
    from ledger import views

    real = views.transfer_result

    def broken(outcome):
        raise RuntimeError("answer could not be built")

    client = auth_client(alice)
    client.raise_request_exception = False
    body = {"to_username": "bob", "amount": "5"}
    monkeypatch.setattr(views, "transfer_result", broken)
    r = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="boom")
    assert r.status_code == 500 and r.json()["error"]["code"] == "server_error"
    assert not IdempotencyKey.objects.filter(key="boom").exists()
    assert balance(alice) == Decimal("10000.00") and not Transaction.objects.filter(kind="transfer").exists()

    monkeypatch.setattr(views, "transfer_result", real)
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="boom")
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="boom")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert balance(alice) == Decimal("9995.00")
    record = IdempotencyKey.objects.get(key="boom")
    assert record.state == "completed" and str(record.transaction_id) == first.json()["transaction"]["id"]


def test_purge_keeps_recent_keys(auth_client, alice, bob):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    client = auth_client(alice)
    client.post(URL, {"to_username": "bob", "amount": "5"}, format="json", HTTP_IDEMPOTENCY_KEY="old")
    client.post(URL, {"to_username": "bob", "amount": "6"}, format="json", HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    call_command("purge_idempotency_keys")
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_a_refusal_after_the_posting_wrote_rolls_everything_back(auth_client, alice, bob, scripted_risk, monkeypatch):
    """No savepoint guards a transfer inside its request's transaction: a refusal raised after a
    write must not be stored as the answer beside the money; it is an error and nothing stays."""
    from ledger.exceptions import InsufficientFunds
    from notifications.models import Notification

    def refuse(self, *, transaction, verdict):
        raise InsufficientFunds(available="0.00")

    monkeypatch.setattr(scripted_risk, "record", refuse)
    before = (balance(alice), balance(bob), Transaction.objects.count(), Notification.objects.count())
    resp = auth_client(alice).post(URL, {"to_username": "bob", "amount": "7.00"}, format="json", HTTP_IDEMPOTENCY_KEY="late")
    assert resp.status_code == 500 and "RefusedAfterWriting" not in resp.content.decode()
    assert not IdempotencyKey.objects.filter(key="late").exists()
    assert (balance(alice), balance(bob), Transaction.objects.count(), Notification.objects.count()) == before


def test_a_refusal_before_any_write_is_stored_with_the_key_and_nothing_else(auth_client, alice, bob):
    client = auth_client(alice)
    before = (balance(alice), Transaction.objects.count())
    first = client.post(URL, {"to_username": "bob", "amount": "20000.00"}, format="json", HTTP_IDEMPOTENCY_KEY="poor")
    assert first.status_code == 422 and first.json()["error"]["code"] == "insufficient_funds"
    again = client.post(URL, {"to_username": "bob", "amount": "20000.00"}, format="json", HTTP_IDEMPOTENCY_KEY="poor")
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert (balance(alice), Transaction.objects.count()) == before
    assert IdempotencyKey.objects.get(key="poor").transaction_id is None
