"""Classic PIN rows (status, setup, verify, change, reset) and the single-use payment ticket:
the app verifies the PIN in its own call, then pays without it; the payment is still PIN-checked."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest

from accounts import pin as pins
from accounts.models import UserPin
from accounts.tests.factories import PASSWORD
from classic import services
from ledger.models import Account

pytestmark = pytest.mark.django_db
API = "/classic/api"


def balance(user) -> Decimal:
    return Account.objects.get(owner=user, is_primary=True).balance


def send(client, bob, amount=10):
    return client.post(f"{API}/payments/send", {"receiver_id": bob.pk, "amount": amount, "description": ""},
                       format="json")


@pytest.fixture
def alice_pin(alice):
    pins.pin_set(user=alice, pin="1234", pin_confirm="1234")
    return alice


def test_status_without_and_with_a_pin(auth_client, alice):
    client = auth_client(alice)
    res = client.get(f"{API}/pin/status")
    assert res.status_code == 200 and res.json()["has_pin"] is False and res.json()["is_locked"] is False
    res = client.post(f"{API}/pin/setup", {"pin": "1234", "confirm_pin": "1234"}, format="json")
    assert res.status_code == 201 and res.json()["success"] is True and isinstance(res.json()["message"], str)
    body = client.get(f"{API}/pin/status").json()
    assert body["has_pin"] is True and body["attempts_remaining"] == 3
    assert UserPin.objects.filter(user=alice).exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [({"pin": "1234", "confirm_pin": "4321"}, "pin_mismatch"), ({"pin": "12a4", "confirm_pin": "12a4"}, "validation_error"),
     ({"pin": 1234, "confirm_pin": 1234}, "validation_error"), ({"pin": "1234"}, "validation_error")],
)
def test_setup_bad_input_is_a_string_error(auth_client, alice, body, code):
    res = auth_client(alice).post(f"{API}/pin/setup", body, format="json")
    assert res.status_code == 400 and res.json()["code"] == code and isinstance(res.json()["error"], str)
    assert "1234" not in res.json()["error"] and not UserPin.objects.exists()


def test_verify_right_and_wrong(auth_client, alice_pin):
    client = auth_client(alice_pin)
    ok = client.post(f"{API}/pin/verify", {"pin": "1234"}, format="json")
    assert ok.status_code == 200 and ok.json()["success"] is True and ok.json()["verified"] is True
    bad = client.post(f"{API}/pin/verify", {"pin": "9999"}, format="json")
    assert bad.status_code == 403 and bad.json()["error"] == "Incorrect UPI PIN." and bad.json()["attempts_left"] == 2


def test_change_and_reset(auth_client, alice_pin):
    client = auth_client(alice_pin)
    res = client.post(f"{API}/pin/change", {"current_pin": "1234", "new_pin": "5678", "confirm_pin": "5678"}, format="json")
    assert res.status_code == 200 and res.json()["success"] is True
    mismatch = client.post(f"{API}/pin/change", {"current_pin": "5678", "new_pin": "1111", "confirm_pin": "2222"},
                           format="json")
    assert mismatch.status_code == 400 and "do not match" in mismatch.json()["error"]
    res = client.post(f"{API}/pin/reset", {"password": PASSWORD, "new_pin": "4321", "confirm_pin": "4321"}, format="json")
    assert res.status_code == 200 and res.json()["success"] is True
    wrong = client.post(f"{API}/pin/reset", {"password": "nope", "new_pin": "4321", "confirm_pin": "4321"}, format="json")
    assert wrong.status_code == 403 and isinstance(wrong.json()["error"], str)
    assert client.post(f"{API}/pin/verify", {"pin": "4321"}, format="json").status_code == 200


def test_send_after_verify_pays_once_per_verify(auth_client, alice_pin, bob):
    client = auth_client(alice_pin)
    refused = send(client, bob)
    assert refused.status_code == 400 and refused.json()["code"] == "pin_required"
    assert client.post(f"{API}/pin/verify", {"pin": "1234"}, format="json").status_code == 200
    assert send(client, bob).status_code == 201
    again = send(client, bob)  # the ticket is single-use
    assert again.status_code == 400 and again.json()["code"] == "pin_required"
    assert balance(bob) == Decimal("10010.00")


def test_wrong_verify_leaves_no_ticket(auth_client, alice_pin, bob):
    client = auth_client(alice_pin)
    client.post(f"{API}/pin/verify", {"pin": "0000"}, format="json")
    assert send(client, bob).status_code == 400 and balance(bob) == Decimal("10000.00")


def test_ticket_expires(auth_client, alice_pin, bob):
    client = auth_client(alice_pin)
    assert client.post(f"{API}/pin/verify", {"pin": "1234"}, format="json").status_code == 200
    later = services.time.time() + services.PIN_TICKET_SECONDS + 1
    with mock.patch.object(services.time, "time", return_value=later):
        res = send(client, bob)
    assert res.status_code == 400 and res.json()["code"] == "pin_required"
    assert balance(bob) == Decimal("10000.00")


def test_ticket_is_per_user(auth_client, alice_pin, bob):
    pins.pin_set(user=bob, pin="1111", pin_confirm="1111")
    assert auth_client(alice_pin).post(f"{API}/pin/verify", {"pin": "1234"}, format="json").status_code == 200
    res = send(auth_client(bob), alice_pin)
    assert res.status_code == 400 and res.json()["code"] == "pin_required"


def test_locked_since_verify_refuses_the_ticket(auth_client, alice_pin, bob):
    client = auth_client(alice_pin)
    assert client.post(f"{API}/pin/verify", {"pin": "1234"}, format="json").status_code == 200
    for _ in range(3):
        client.post(f"{API}/pin/verify", {"pin": "0000"}, format="json")
    res = send(client, bob)
    assert res.status_code == 423 and res.json()["code"] == "pin_locked"
    assert balance(bob) == Decimal("10000.00")


def test_pin_in_the_body_pays_in_one_call(auth_client, alice_pin, bob):
    client = auth_client(alice_pin)
    res = client.post(f"{API}/payments/send", {"receiver_id": bob.pk, "amount": 5, "description": "", "pin": "1234"},
                      format="json")
    assert res.status_code == 201
    wrong = client.post(f"{API}/payments/send", {"receiver_id": bob.pk, "amount": 5, "description": "", "pin": "4321"},
                        format="json")
    assert wrong.status_code == 403 and wrong.json()["code"] == "pin_invalid"
    assert balance(bob) == Decimal("10005.00")


def test_pin_required_setting_refuses_customers_without_a_pin(auth_client, alice, bob, settings):
    settings.PIN_REQUIRED = True
    res = send(auth_client(alice), bob)
    assert res.status_code == 403 and res.json()["code"] == "pin_not_set"
    assert res.json()["error"] == "Set a UPI PIN first (Profile, Security PIN)."
    assert balance(bob) == Decimal("10000.00")
