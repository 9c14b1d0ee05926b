"""Every money-moving call asks for the UPI PIN (PIN_REQUIRED on, as in production): transfer,
send, request accept, QR pay and voice execute. Missing or wrong -> 4xx and nothing moves; the
failed attempt is kept although the payment is refused; the PIN is never stored with the
idempotency key."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts import pin as pins
from accounts.models import UserPin
from ledger.models import IdempotencyKey, Transaction
from ledger.selectors import account_for_user
from payments.models import MoneyRequest
from payments.services import money_request_create

pytestmark = pytest.mark.django_db

TRANSFER, SEND = "/api/transactions/transfer", "/api/payments/send"


@pytest.fixture(autouse=True)
def pin_required(settings, scripted_risk):
    settings.PIN_REQUIRED = True


@pytest.fixture
def alice(user_factory):
    return user_factory("alice", full_name="Alice Rao", balance="1000.00")


@pytest.fixture
def bob(user_factory):
    return user_factory("bob", full_name="Bob Das", balance="1000.00")


@pytest.fixture
def client(alice, auth_client):
    return auth_client(alice)


def balance(user) -> Decimal:
    return account_for_user(user=user).balance


def code(resp) -> str:
    return resp.json()["error"]["code"]


def with_pin(alice) -> None:
    pins.pin_set(user=alice, pin="2580", pin_confirm="2580")


# Values the bank generates at random or from the clock: a 12-digit reference, a UUID, an account
# number or a timestamp's microseconds hold any four digits now and then (0.1-1% of answers).
_GENERATED = ("id", "reference", "account", "account_number", "number")


def echoes_pin(data, pin: str = "2580") -> bool:
    """Whether an answer (parsed JSON) carries the PIN: under a key named like it, or inside any
    text other than the generated values above."""
    if isinstance(data, dict):
        return any("pin" in key.lower().split("_") or (
            not (key in _GENERATED or key.endswith(("_id", "_at"))) and echoes_pin(value, pin))
            for key, value in data.items())
    if isinstance(data, list):
        return any(echoes_pin(item, pin) for item in data)
    return pin in str(data)


# --- each path: the request with {pin}, without it, with a wrong one ----------------------------

def _transfer(client, bob, pin):
    return client.post(TRANSFER, {"to_username": "bob", "amount": "10.00", **pin}, format="json")


def _send(client, bob, pin):
    return client.post(SEND, {"payee": bob.vpa, "amount": "10.00", **pin}, format="json")


def _accept(client, bob, pin):
    request = money_request_create(requester=bob, payer="alice", amount=Decimal("10.00"), note="tea")
    return client.post(f"/api/payments/requests/{request.pk}/accept", pin, format="json")


def _qr(client, bob, pin):
    from securebank.tests.threads import client_for

    issued = client_for(bob).post("/api/blockchain/generate-qr", {"amount": "10.00"}, format="json").json()
    return client.post("/api/blockchain/verify-qr", {"qr_data": issued["qr_data"], "confirm": True, **pin}, format="json")


def _voice(client, bob, pin):
    body = client.post("/api/speech/process", {"text": "pay bob 10"}, format="json").json()
    assert body.get("confirmation_token"), body
    return client.post("/api/speech/execute", {"confirmation_token": body["confirmation_token"], **pin}, format="json")


PATHS = {"transfer": _transfer, "send": _send, "accept": _accept, "qr": _qr, "voice": _voice}


@pytest.fixture
def contacts(alice, bob):
    """Voice finds a payee among the caller's contacts: alice has paid bob once (before PINs)."""
    from payments.services import payment_send

    payment_send(payer=alice, payee=bob.vpa, amount=Decimal("1.00"), note="contact")


@pytest.mark.parametrize("path", PATHS)
def test_without_a_pin_set_paying_is_refused_until_one_is(client, alice, bob, contacts, path):
    before = (balance(alice), Transaction.objects.count())
    resp = PATHS[path](client, bob, {})
    assert resp.status_code == 403 and code(resp) == "pin_not_set", resp.content
    assert (balance(alice), Transaction.objects.count()) == before


@pytest.mark.parametrize("path", PATHS)
def test_missing_or_wrong_pin_moves_nothing_and_the_right_one_pays(client, alice, bob, contacts, path):
    with_pin(alice)
    before = (balance(alice), balance(bob), Transaction.objects.count())
    missing = PATHS[path](client, bob, {})
    assert missing.status_code == 400 and code(missing) == "pin_required", missing.content
    wrong = PATHS[path](client, bob, {"pin": "0000"})
    assert wrong.status_code == 403 and code(wrong) == "pin_invalid", wrong.content
    assert wrong.json()["error"]["attempts_left"] == 2
    assert (balance(alice), balance(bob), Transaction.objects.count()) == before
    assert UserPin.objects.get(user=alice).failed_attempts == 1
    paid = PATHS[path](client, bob, {"pin": "2580"})
    assert paid.status_code == 201, paid.content
    assert not echoes_pin(paid.json())
    assert balance(alice) == before[0] - Decimal("10.00") and balance(bob) == before[1] + Decimal("10.00")
    assert UserPin.objects.get(user=alice).failed_attempts == 0


def test_the_third_wrong_pin_locks_payments(client, alice, bob):
    with_pin(alice)
    for _ in range(2):
        assert code(_send(client, bob, {"pin": "1111"})) == "pin_invalid"
    locked = _send(client, bob, {"pin": "1111"})
    assert locked.status_code == 423 and code(locked) == "pin_locked" and locked.json()["error"]["locked_until"]
    still = _send(client, bob, {"pin": "2580"})
    assert still.status_code == 423
    assert balance(alice) == Decimal("1000.00") and balance(bob) == Decimal("1000.00")


def test_malformed_pin_in_a_payment_is_400(client, alice, bob):
    with_pin(alice)
    for bad in (2580, "25 80", "25800", ["2580"], "٢٥٨٠"):
        resp = client.post(SEND, {"payee": bob.vpa, "amount": "1.00", "pin": bad}, format="json")
        assert resp.status_code == 400 and code(resp) == "validation_error", resp.content
        assert "pin" in resp.json()["error"]["fields"]
    assert UserPin.objects.get(user=alice).failed_attempts == 0  # shape errors are not attempts
    assert balance(bob) == Decimal("1000.00")


def test_setting_off_lets_customers_without_a_pin_pay_but_not_those_with_one(client, alice, bob, settings):
    settings.PIN_REQUIRED = False
    assert _send(client, bob, {}).status_code == 201
    with_pin(alice)
    assert code(_send(client, bob, {})) == "pin_required"


def test_idempotency_never_stores_the_pin_and_a_wrong_pin_does_not_use_the_key(client, alice, bob):
    with_pin(alice)
    body = {"payee": bob.vpa, "amount": "10.00", "note": "rent"}
    wrong = client.post(SEND, {**body, "pin": "0000"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert wrong.status_code == 403
    assert not IdempotencyKey.objects.filter(key="k-1").exists()
    first = client.post(SEND, {**body, "pin": "2580"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    record = IdempotencyKey.objects.get(key="k-1")
    assert not echoes_pin(record.response_body)
    # The fingerprint is of the body without the PIN: the same payment retried is a replay,
    # and a fingerprint can't be brute-forced over 10,000 PINs to find the PIN.
    from securebank.idempotency_http import fingerprint

    class Fake:
        method = "POST"
        data = body

    assert record.fingerprint == fingerprint(Fake, "payments.send")
    replay = client.post(SEND, {**body, "pin": "2580"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json()["transaction"]["id"] == first.json()["transaction"]["id"]
    # a replay still needs the PIN: it is checked on every call, before the key
    assert client.post(SEND, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1").status_code == 400
    assert Transaction.objects.filter(description="rent").count() == 1


def test_a_money_request_by_voice_needs_no_pin(client, alice, bob, contacts):
    with_pin(alice)
    body = client.post("/api/speech/process", {"text": "request 50 from bob"}, format="json").json()
    resp = client.post("/api/speech/execute", {"confirmation_token": body["confirmation_token"]}, format="json")
    assert resp.status_code == 201, resp.content
    assert MoneyRequest.objects.filter(requester=alice, payer=bob).exists()


def test_qr_preview_needs_no_pin(client, alice, bob):
    from securebank.tests.threads import client_for

    with_pin(alice)
    issued = client_for(bob).post("/api/blockchain/generate-qr", {"amount": "10.00"}, format="json").json()
    resp = client.post("/api/blockchain/verify-qr", {"qr_data": issued["qr_data"]}, format="json")
    assert resp.status_code == 200, resp.content


@pytest.mark.django_db(transaction=True)
def test_the_failed_attempt_commits_although_the_payment_does_not(auth_client, user_factory, settings):
    """A real commit (no test transaction around it): the count survives the refused payment."""
    alice, bob = user_factory("alice2", balance="100.00"), user_factory("bob2")
    pins.pin_set(user=alice, pin="2580", pin_confirm="2580")
    resp = auth_client(alice).post(SEND, {"payee": bob.vpa, "amount": "1.00", "pin": "1111"}, format="json")
    assert resp.status_code == 403
    assert UserPin.objects.get(user=alice).failed_attempts == 1
    assert balance(alice) == Decimal("100.00")
