"""GET /api/health (full report), /api/health/ready (load balancer) and /api/health/live.

Only the database is critical: 503 when it is down; Redis or another dependency down is "degraded".
The checks and their details are for staff (most tests here read them, as staff); anyone else
sees the status alone."""

from __future__ import annotations

import pytest
from django.db import connection

from securebank import health

pytestmark = pytest.mark.django_db

URL = "/api/health"


@pytest.fixture
def client(db):
    """An operator: staff see the full report."""
    from accounts.tests.factories import make_user
    from securebank.tests.threads import client_for

    return client_for(make_user("healthops", is_staff=True))


@pytest.fixture
def anonymous():
    from django.test import Client

    return Client()


@pytest.fixture
def core_checks_only(monkeypatch):
    """Other apps register their own checks (the fraud model, the miner); these tests are about the core two."""
    monkeypatch.setattr(health, "_checks", {name: health._checks[name] for name in ("database", "channel_layer")})


def test_health_serves_with_every_registered_check(client):
    resp = client.get(URL)
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] in {"ok", "degraded"}
    assert {"database", "channel_layer"} <= set(resp.json()["checks"])


def test_health_ok(client, core_checks_only):
    resp = client.get(URL)
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "ok", "detail": connection.vendor}
    assert body["checks"]["channel_layer"]["status"] == "ok"
    assert "error" not in body


def test_health_needs_no_token_and_ignores_a_bad_one(anonymous):
    for path in (URL, URL + "/ready", URL + "/live"):
        assert anonymous.get(path, HTTP_AUTHORIZATION="Bearer garbage").status_code == 200
        assert anonymous.get(path).status_code == 200


def test_anonymous_and_customers_see_the_status_alone(anonymous, monkeypatch):
    """No model version, database vendor or miner lag for the public: what a load balancer needs."""
    from accounts.tests.factories import make_user
    from securebank.tests.threads import client_for

    monkeypatch.setitem(health._checks, "fraud_model", lambda: ("ok", "model v-secret-7 loaded"))
    customer = client_for(make_user("healthcustomer"))
    for caller in (anonymous, customer):
        for path in (URL, URL + "/ready"):
            resp = caller.get(path)
            assert resp.status_code == 200
            assert set(resp.json()) == {"status"} and resp.json()["status"] in {"ok", "degraded"}
            assert "v-secret-7" not in resp.content.decode()


def test_staff_see_every_check(client, monkeypatch):
    monkeypatch.setitem(health._checks, "fraud_model", lambda: ("ok", "model v-secret-7 loaded"))
    body = client.get(URL).json()
    assert body["checks"]["fraud_model"] == {"status": "ok", "detail": "model v-secret-7 loaded"}
    assert set(client.get(URL + "/ready").json()["checks"]) == {"database"}


def test_the_public_503_is_the_common_shape_without_the_checks(anonymous, monkeypatch):
    monkeypatch.setitem(health._checks, "database", lambda: ("down", "database unreachable"))
    for path in (URL, URL + "/ready"):
        resp = anonymous.get(path)
        assert resp.status_code == 503 and resp["Retry-After"]
        body = resp.json()
        assert set(body) == {"status", "error"} and body["status"] == "unavailable"
        assert body["error"]["code"] == "service_unavailable" and set(body["error"]) == {"code", "message", "fields"}
        assert "database" not in body["error"]["message"]


def test_database_down_is_503(client, monkeypatch, core_checks_only):
    class BrokenCursor:
        def __enter__(self):
            raise health.connection.OperationalError("could not connect to server at 10.0.0.5 password=hunter2")

        def __exit__(self, *exc):
            return False

    # The real check runs; only the connection is broken.
    monkeypatch.setattr(health, "connection", type("Conn", (), {
        "cursor": lambda self: BrokenCursor(), "vendor": "postgresql",
        "OperationalError": type("OperationalError", (Exception,), {}),
    })())
    resp = client.get(URL)
    assert resp.status_code == 503
    body = resp.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"status": "down", "detail": "database unreachable"}
    assert body["checks"]["channel_layer"]["status"] == "ok"
    assert body["error"]["code"] == "service_unavailable"
    assert "database" in body["error"]["message"]
    assert set(body["error"]) == {"code", "message", "fields"}
    assert "hunter2" not in resp.content.decode() and "10.0.0.5" not in resp.content.decode()


def test_registered_check_down_is_503(client, monkeypatch):
    monkeypatch.setitem(health._checks, "database", lambda: ("down", "database unreachable"))
    resp = client.get(URL)
    assert resp.status_code == 503
    assert resp.json()["checks"]["database"]["status"] == "down"


def test_channel_layer_down_is_degraded_not_503(client, monkeypatch, core_checks_only):
    """Redis down: money still moves, so the report says degraded and readiness stays 200."""
    monkeypatch.setattr(health, "get_channel_layer", lambda: None)
    resp = client.get(URL)
    assert resp.status_code == 200
    assert resp.json()["status"] == "degraded" and "error" not in resp.json()
    assert resp.json()["checks"]["channel_layer"] == {"status": "down", "detail": "no channel layer configured"}
    ready = client.get(URL + "/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"
    assert set(ready.json()["checks"]) == {"database"}


def test_channel_layer_that_hangs_is_down_not_a_hang(client, monkeypatch):
    import asyncio

    class Hanging:
        async def new_channel(self, prefix):
            return prefix + "x"

        async def send(self, channel, message):
            return None

        async def receive(self, channel):
            await asyncio.sleep(3600)

    monkeypatch.setattr(health, "get_channel_layer", lambda: Hanging())
    monkeypatch.setattr(health, "CHECK_TIMEOUT_SECONDS", 0.2)
    resp = client.get(URL)
    assert resp.status_code == 200 and resp.json()["status"] == "degraded"
    assert resp.json()["checks"]["channel_layer"] == {"status": "down", "detail": "channel layer unreachable"}


def test_degraded_check_still_serves(client, monkeypatch, core_checks_only):
    monkeypatch.setitem(health._checks, "fraud_model", lambda: ("degraded", "no model trained yet"))
    resp = client.get(URL)
    assert resp.status_code == 200
    assert resp.json()["status"] == "degraded"
    assert resp.json()["checks"]["fraud_model"] == {"status": "degraded", "detail": "no model trained yet"}


def test_a_crashing_check_is_down_not_a_500(client, monkeypatch):
    def crash():
        raise RuntimeError("secret=hunter2")

    monkeypatch.setitem(health._checks, "fraud_model", crash)
    resp = client.get(URL)
    assert resp.status_code == 200 and resp.json()["status"] == "degraded"  # not critical
    assert resp.json()["checks"]["fraud_model"] == {"status": "down", "detail": "check failed"}
    assert "hunter2" not in resp.content.decode()


def test_register_check_adds_to_the_report(monkeypatch):
    monkeypatch.setitem(health._checks, "extra", lambda: ("ok", "fine"))
    assert health.health_report()["checks"]["extra"] == {"status": "ok", "detail": "fine"}


def test_live_answers_without_touching_any_dependency(client, monkeypatch):
    monkeypatch.setitem(health._checks, "database", lambda: ("down", "database unreachable"))
    monkeypatch.setattr(health, "get_channel_layer", lambda: None)
    resp = client.get(URL + "/live")
    assert resp.status_code == 200 and resp.json() == {"status": "ok"}


def test_ready_is_503_in_the_common_shape_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setitem(health._checks, "database", lambda: ("down", "database unreachable"))
    resp = client.get(URL + "/ready")
    assert resp.status_code == 503 and resp["Retry-After"]
    body = resp.json()
    assert body["status"] == "unavailable" and body["error"]["code"] == "service_unavailable"
    assert set(body["error"]) == {"code", "message", "fields"}


def test_ready_runs_only_the_critical_checks(client, monkeypatch):
    calls = []
    monkeypatch.setitem(health._checks, "fraud_model", lambda: calls.append("fraud") or ("down", "x"))
    resp = client.get(URL + "/ready")
    assert resp.status_code == 200 and calls == []
