"""/api/pin: status, set, change, reset, verify; bad input; throttling; no PIN ever echoed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import UserPin
from accounts.tests.factories import PASSWORD
from securebank import clock

pytestmark = pytest.mark.django_db

PIN, CHANGE, RESET, VERIFY = "/api/pin", "/api/pin/change", "/api/pin/reset", "/api/pin/verify"


def error(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.content
    body = resp.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert {"code", "message", "fields"} <= set(body["error"])
    return body["error"]


def set_pin(client, pin: str = "1234"):
    return client.post(PIN, {"pin": pin, "pin_confirm": pin}, format="json")


def test_status_set_and_status_again(authed_client):
    assert authed_client.get(PIN).json() == {"is_set": False, "locked": False, "locked_until": None, "attempts_left": None}
    resp = set_pin(authed_client, "482913")
    assert resp.status_code == 201, resp.content
    assert resp.json() == {"is_set": True, "locked": False, "locked_until": None, "attempts_left": 3}
    assert "482913" not in resp.content.decode()
    assert authed_client.get(PIN).json()["is_set"] is True
    error(set_pin(authed_client, "111111"), 409, "pin_already_set")


def test_needs_authentication(api_client):
    error(api_client.get(PIN), 401, "not_authenticated")
    error(api_client.post(VERIFY, {"pin": "1234"}, format="json"), 401, "not_authenticated")


def test_verify_counts_and_locks(authed_client):
    set_pin(authed_client)
    assert authed_client.post(VERIFY, {"pin": "1234"}, format="json").json() == {"verified": True}
    first = error(authed_client.post(VERIFY, {"pin": "9876"}, format="json"), 403, "pin_invalid")
    assert first["attempts_left"] == 2 and "9876" not in str(first)
    error(authed_client.post(VERIFY, {"pin": "9876"}, format="json"), 403, "pin_invalid")
    locked = error(authed_client.post(VERIFY, {"pin": "9876"}, format="json"), 423, "pin_locked")
    assert locked["locked_until"] == clock.timestamp(UserPin.objects.get(user=authed_client.user).locked_until)
    error(authed_client.post(VERIFY, {"pin": "1234"}, format="json"), 423, "pin_locked")
    status = authed_client.get(PIN).json()
    assert status["locked"] is True and status["locked_until"] and status["attempts_left"] == 0


def test_change_and_reset(authed_client):
    set_pin(authed_client)
    error(authed_client.post(CHANGE, {"current_pin": "0000", "new_pin": "5555"}, format="json"), 403, "pin_invalid")
    assert authed_client.post(CHANGE, {"current_pin": "1234", "new_pin": "555555"}, format="json").status_code == 200
    assert authed_client.post(VERIFY, {"pin": "555555"}, format="json").status_code == 200
    UserPin.objects.filter(user=authed_client.user).update(failed_attempts=3, locked_until=timezone.now() + timedelta(hours=1))
    error(authed_client.post(RESET, {"password": "wrong-password", "new_pin": "2468"}, format="json"), 403, "invalid_password")
    resp = authed_client.post(RESET, {"password": PASSWORD, "new_pin": "2468"}, format="json")
    assert resp.status_code == 200 and resp.json()["locked"] is False
    assert authed_client.post(VERIFY, {"pin": "2468"}, format="json").status_code == 200


def test_verify_without_a_pin(authed_client):
    error(authed_client.post(VERIFY, {"pin": "1234"}, format="json"), 403, "pin_not_set")
    error(authed_client.post(CHANGE, {"current_pin": "1234", "new_pin": "4321"}, format="json"), 403, "pin_not_set")


@pytest.mark.parametrize("body", [
    {"pin": "123", "pin_confirm": "123"},
    {"pin": "12345", "pin_confirm": "12345"},
    {"pin": "1234567", "pin_confirm": "1234567"},
    {"pin": 1234, "pin_confirm": 1234},
    {"pin": "12ab", "pin_confirm": "12ab"},
    {"pin": "１２３４", "pin_confirm": "１２３４"},
    {"pin": None, "pin_confirm": None},
    {"pin": ["1234"], "pin_confirm": "1234"},
    {"pin": {"a": 1}, "pin_confirm": "1234"},
    {"pin": "1234"},
    {"pin": "1234", "pin_confirm": "1234", "extra": 1},
    {"pin": "9" * 10_000, "pin_confirm": "1234"},
    {},
])
def test_set_bad_input_is_400_in_the_common_shape(authed_client, body):
    err = error(authed_client.post(PIN, body, format="json"), 400, "validation_error")
    assert err["fields"]
    assert "9999999" not in str(err) and "12ab" not in str(err)
    assert not UserPin.objects.filter(user=authed_client.user).exists()


def test_mismatch(authed_client):
    err = error(authed_client.post(PIN, {"pin": "1234", "pin_confirm": "4321"}, format="json"), 400, "pin_mismatch")
    assert "pin_confirm" in err["fields"]


@pytest.mark.parametrize("raw,content_type", [
    ("not json", "application/json"), ("[1,2]", "application/json"), ('"1234"', "application/json"),
    ("pin=1234", "application/x-www-form-urlencoded"), ("\xff\xfe", "application/json"), ("null", "application/json"),
])
@pytest.mark.parametrize("path", [PIN, CHANGE, RESET, VERIFY])
def test_malformed_bodies_never_500(authed_client, path, raw, content_type):
    resp = authed_client.post(path, raw, content_type=content_type)
    assert 400 <= resp.status_code < 500, resp.content
    assert set(resp.json()["error"]) >= {"code", "message", "fields"}


def test_wrong_methods(authed_client):
    error(authed_client.get(VERIFY), 405, "method_not_allowed")
    error(authed_client.delete(PIN), 405, "method_not_allowed")


def test_pin_writes_are_throttled_like_login(authed_client, throttle_rates):
    throttle_rates(pin="3/min")
    set_pin(authed_client)
    for _ in range(2):
        authed_client.post(VERIFY, {"pin": "1234"}, format="json")
    err = error(authed_client.post(VERIFY, {"pin": "1234"}, format="json"), 429, "throttled")
    assert err["fields"] == {}
    assert authed_client.get(PIN).status_code == 200  # reading the status is not throttled
