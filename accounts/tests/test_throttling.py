"""Scoped throttles on login, register and refresh: 429 in the one error shape, with Retry-After."""

from __future__ import annotations

import pytest

from accounts.tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login"
REGISTER = "/api/auth/register"


def assert_throttled(resp):
    assert resp.status_code == 429, resp.content
    err = resp.json()["error"]
    assert err["code"] == "throttled"
    assert err["fields"] == {}
    assert "throttled" in err["message"].lower()
    assert 0 < int(resp["Retry-After"]) <= 60


def test_login_throttled_after_the_rate(api_client, throttle_rates):
    throttle_rates(login="3/min")
    make_user("alice")
    for _ in range(3):
        assert api_client.post(LOGIN, {"username": "alice", "password": "wrong-pass-1"}, format="json").status_code == 401
    # Even the right password is refused now: the throttle is checked before credentials.
    assert_throttled(api_client.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json"))


def test_register_throttled(api_client, throttle_rates):
    throttle_rates(register="2/min")
    for name in ("ann", "ben"):
        body = {"username": name, "email": f"{name}@example.in", "password": PASSWORD}
        assert api_client.post(REGISTER, body, format="json").status_code == 201
    body = {"username": "cat", "email": "cat@example.in", "password": PASSWORD}
    assert_throttled(api_client.post(REGISTER, body, format="json"))


def test_scopes_are_separate(api_client, throttle_rates):
    throttle_rates(login="1/min", register="1/min")
    make_user("alice")
    assert api_client.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json").status_code == 200
    assert_throttled(api_client.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json"))
    body = {"username": "ann", "email": "ann@example.in", "password": PASSWORD}
    assert api_client.post(REGISTER, body, format="json").status_code == 201


def test_refresh_shares_the_login_budget(api_client, throttle_rates):
    throttle_rates(login="1/min")
    make_user("alice")
    refresh = api_client.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json").json()["refresh"]
    assert_throttled(api_client.post("/api/auth/refresh", {"refresh": refresh}, format="json"))


def test_off_means_unthrottled(api_client, throttle_rates):
    throttle_rates(login=None)
    make_user("alice")
    for _ in range(15):
        assert api_client.post(LOGIN, {"username": "alice", "password": "x"}, format="json").status_code == 401


def test_a_spoofed_forwarded_for_header_does_not_reset_the_budget(api_client, throttle_rates):
    """Without a trusted proxy in front, X-Forwarded-For is the client's own word."""
    throttle_rates(login="2/min")
    for n in range(2):
        api_client.post(LOGIN, {"username": "x", "password": "y"}, format="json", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    resp = api_client.post(LOGIN, {"username": "x", "password": "y"}, format="json", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert_throttled(resp)


def test_clients_are_throttled_per_address(api_client, throttle_rates):
    throttle_rates(login="1/min")
    api_client.post(LOGIN, {"username": "x", "password": "y"}, format="json", REMOTE_ADDR="10.0.0.1")
    assert_throttled(api_client.post(LOGIN, {"username": "x", "password": "y"}, format="json", REMOTE_ADDR="10.0.0.1"))
    other = api_client.post(LOGIN, {"username": "x", "password": "y"}, format="json", REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 401


def test_rates_read_from_the_environment(monkeypatch):
    """THROTTLE_* variables reach the settings; `off` disables a scope."""
    import importlib

    import securebank.settings as module

    monkeypatch.setenv("THROTTLE_LOGIN", "7/hour")
    monkeypatch.setenv("THROTTLE_VOICE", "off")
    try:
        reloaded = importlib.reload(module)
        rates = reloaded.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        assert rates["login"] == "7/hour" and rates["voice"] is None
    finally:
        monkeypatch.undo()
        importlib.reload(module)
