"""POST /api/speech/execute: a token works once, expires, is bound to its user and amount, and
the payment goes through limits, fraud holds and idempotency like any payment."""

from __future__ import annotations

import base64
import json
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from ledger.models import Account, Transaction
from payments.models import MoneyRequest
from voice.models import VoiceConfirmation
from voice.tests.factories import make_contact, make_user

PROCESS, EXECUTE = "/api/speech/process", "/api/speech/execute"


def balance(user) -> Decimal:
    return Account.objects.get(owner=user, is_primary=True).balance


@pytest.fixture
def alice(db):
    return make_user("alice", full_name="Alice Rao")


@pytest.fixture
def rahul(alice):
    rahul = make_user("rsharma", full_name="Rahul Sharma")
    make_contact(alice, rahul, "1.00")
    return rahul


@pytest.fixture
def client(alice, auth_client):
    return auth_client(alice)


def token_for(client, text: str) -> str:
    body = client.post(PROCESS, {"text": text}, format="json").json()
    assert body["confirmation_token"], body
    return body["confirmation_token"]


def execute(client, token: str, key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(EXECUTE, {"confirmation_token": token}, format="json", **headers)


@pytest.mark.django_db
def test_a_token_pays_once(client, alice, rahul):
    token = token_for(client, "pay rahul 500 for dinner")
    res = execute(client, token)
    assert res.status_code == 201, res.json()
    body = res.json()
    assert body["intent"] == "pay"
    txn = body["transaction"]
    assert txn["kind"] == "voice_payment" and txn["channel"] == "voice" and txn["status"] == "completed"
    assert txn["amount"] == "500.00" and txn["description"] == "dinner"
    assert body["balance"] == "9499.00"
    assert balance(rahul) == Decimal("10501.00")
    row = VoiceConfirmation.objects.get()
    assert row.consumed_at is not None and str(row.transaction_id) == txn["id"]

    again = execute(client, token)
    assert again.status_code == 400 and again.json()["error"]["code"] == "confirmation_used"
    assert balance(rahul) == Decimal("10501.00")


@pytest.mark.django_db
def test_a_token_expires_after_two_minutes(client, rahul, monkeypatch):
    token = token_for(client, "pay rahul 500")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 121)  # the signature's clock
    res = execute(client, token)
    assert res.status_code == 400 and res.json()["error"]["code"] == "confirmation_expired"
    assert balance(rahul) == Decimal("10001.00")


@pytest.mark.django_db
def test_the_row_expiry_is_checked_too(client, rahul):
    token = token_for(client, "pay rahul 500")
    VoiceConfirmation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    res = execute(client, token)
    assert res.status_code == 400 and res.json()["error"]["code"] == "confirmation_expired"


@pytest.mark.django_db
def test_a_token_is_bound_to_its_user(client, alice, rahul, auth_client):
    token = token_for(client, "pay rahul 500")
    mallory = make_user("mallory")
    res = execute(auth_client(mallory), token)
    assert res.status_code == 400 and res.json()["error"]["code"] == "confirmation_invalid"
    assert balance(alice) == Decimal("9999.00") and balance(mallory) == Decimal("10000.00")
    assert execute(client, token).status_code == 201  # still good for its owner


def _tampered(token: str, **changes) -> str:
    payload, rest = token.split(":", 1)
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{forged}:{rest}"


@pytest.mark.django_db
@pytest.mark.parametrize("change", [{"a": "5000.00"}, {"p": 1}, {"u": 999}, {"i": "request"}])
def test_a_tampered_token_is_refused(client, rahul, change):
    token = token_for(client, "pay rahul 500")
    res = execute(client, _tampered(token, **change))
    assert res.status_code == 400 and res.json()["error"]["code"] == "confirmation_invalid"
    assert balance(rahul) == Decimal("10001.00")


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["", "garbage", "a:b:c", "x" * 1001])
def test_garbage_tokens(client, token):
    res = execute(client, token)
    assert res.status_code == 400
    assert res.json()["error"]["code"] in {"confirmation_invalid", "validation_error"}


@pytest.mark.django_db
def test_the_amount_moved_is_exactly_the_confirmed_amount(auth_client):
    payer = make_user("payer", balance="150000.00")
    payee = make_user("rsharma", full_name="Rahul Sharma")
    make_contact(payer, payee, "1.00")
    client = auth_client(payer)
    token = token_for(client, "send one lakh to rahul sharma")
    res = execute(client, token)
    assert res.json()["transaction"]["amount"] == "100000.00"
    assert balance(payer) == Decimal("49999.00") and balance(payee) == Decimal("110001.00")


@pytest.mark.django_db
def test_refused_payment_leaves_the_token_usable(client, alice, rahul):
    token = token_for(client, "pay rahul 10000")  # more than the 9999.00 left
    res = execute(client, token)
    assert res.status_code == 422 and res.json()["error"]["code"] == "insufficient_funds"
    assert VoiceConfirmation.objects.get().consumed_at is None
    from ledger.services import deposit_create

    deposit_create(account=Account.objects.get(owner=alice), amount=Decimal("100.00"))
    assert execute(client, token).status_code == 201


@pytest.mark.django_db
def test_fraud_hold_is_202_and_consumes_the_token(client, alice, rahul, scripted_risk):
    scripted_risk.decision = "hold"
    token = token_for(client, "pay rahul 700")
    res = execute(client, token)
    assert res.status_code == 202
    assert res.json()["transaction"]["status"] == "held" and res.json()["available"] == "9299.00"
    assert balance(rahul) == Decimal("10001.00")  # not credited while held
    assert execute(client, token).json()["error"]["code"] == "confirmation_used"


@pytest.mark.django_db
def test_fraud_decline_is_422_recorded_and_consumes_the_token(client, rahul, scripted_risk):
    scripted_risk.decision = "decline"
    token = token_for(client, "pay rahul 700")
    res = execute(client, token)
    assert res.status_code == 422 and res.json()["error"]["code"] == "transaction_declined"
    assert Transaction.objects.get(status="declined").kind == "voice_payment"
    assert execute(client, token).json()["error"]["code"] == "confirmation_used"


@pytest.mark.django_db
def test_real_fraud_scoring_applies(client, rahul, settings):
    settings.LEDGER_RISK_ASSESSOR = "fraud.services.risk_assessor"
    token = token_for(client, "pay rahul 300")
    res = execute(client, token)
    assert res.status_code in (201, 202), res.json()
    txn = Transaction.objects.get(pk=res.json()["transaction"]["id"])
    assert txn.fraud_decision in {"allow", "hold"} and txn.kind == "voice_payment"


@pytest.mark.django_db
def test_idempotency_key_replays_and_never_pays_twice(client, rahul):
    token = token_for(client, "pay rahul 250")
    first = execute(client, token, key="voice-1")
    second = execute(client, token, key="voice-1")
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true" and second.json() == first.json()
    assert Transaction.objects.filter(kind="voice_payment").count() == 1
    other = execute(client, token, key="voice-2")
    assert other.status_code == 400 and other.json()["error"]["code"] == "confirmation_used"
    conflict = execute(client, token_for(client, "pay rahul 1"), key="voice-1")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "idempotency_conflict"


@pytest.mark.django_db
def test_request_intent_creates_a_money_request_once(client, alice, rahul):
    token = token_for(client, "ask rahul for 1200 for rent")
    res = execute(client, token)
    assert res.status_code == 201, res.json()
    body = res.json()
    assert body["intent"] == "request"
    assert body["request"]["amount"] == "1200.00" and body["request"]["direction"] == "outgoing"
    assert body["request"]["note"] == "rent"
    request = MoneyRequest.objects.get()
    assert (request.requester, request.payer, request.status) == (alice, rahul, "pending")
    assert VoiceConfirmation.objects.get().money_request == request
    assert execute(client, token).json()["error"]["code"] == "confirmation_used"
    assert MoneyRequest.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_request_leaves_the_token_usable(client, rahul, monkeypatch):
    from payments import services as payments_services
    from payments.exceptions import PayerNotFound

    token = token_for(client, "request 100 from rahul")

    def refuse(**kwargs):
        raise PayerNotFound()

    monkeypatch.setattr("voice.services.money_request_create", refuse)
    assert execute(client, token).status_code == 404
    assert VoiceConfirmation.objects.get().consumed_at is None
    monkeypatch.setattr("voice.services.money_request_create", payments_services.money_request_create)
    assert execute(client, token).status_code == 201


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_executions_of_one_token_pay_once(rahul, alice, auth_client):
    token = token_for(auth_client(alice), "pay rahul 100")
    results: list[int] = []
    barrier = threading.Barrier(6)

    def run(i: int) -> None:
        try:
            barrier.wait()
            res = execute(auth_client(alice), token, key=f"k{i}")
            results.append(res.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count(201) == 1 and results.count(400) == 5, results
    assert Transaction.objects.filter(kind="voice_payment").count() == 1
    assert balance(rahul) == Decimal("10101.00")


@pytest.mark.django_db
def test_the_payee_is_notified_like_any_payment(client, rahul, django_capture_on_commit_callbacks):
    from notifications.models import Notification

    token = token_for(client, "pay rahul 42")
    with django_capture_on_commit_callbacks(execute=True):
        assert execute(client, token).status_code == 201
    assert Notification.objects.filter(user=rahul).exists()


@pytest.mark.django_db
def test_unused_expired_confirmations_are_purged(client, rahul):
    from voice.services import voice_confirmations_purge

    used = token_for(client, "pay rahul 1")
    execute(client, used)
    token_for(client, "pay rahul 2")
    VoiceConfirmation.objects.update(expires_at=timezone.now() - timedelta(days=31))
    assert voice_confirmations_purge() == 1
    assert VoiceConfirmation.objects.get().transaction is not None  # the used one stays
