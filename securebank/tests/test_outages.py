"""Outages of the database and of Redis, as a request sees them.

Database down: every request answers 503 `service_unavailable` in the common error shape (never
a 500, never the driver's text), and the next request after it is back succeeds. Redis down:
the cache fails open within a bounded time, so throttled endpoints still serve.
"""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from securebank.cache import FailOpenRedisCache

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down(monkeypatch):
    """Every new cursor fails as psycopg does when PostgreSQL is restarting (Django wraps it)."""
    def refuse(self, *args, **kwargs):
        raise OperationalError('connection to server at "10.9.8.7", port 5432 failed: password=hunter2')

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refuse)
    monkeypatch.setattr(type(connections["default"]), "is_usable", lambda self: False)  # the server is gone
    return monkeypatch


def assert_unavailable(resp) -> None:
    assert resp.status_code == 503, resp.content
    body = resp.json()
    assert body["error"]["code"] == "service_unavailable" and set(body["error"]) == {"code", "message", "fields"}
    assert resp["Retry-After"]
    text = resp.content.decode()
    assert "hunter2" not in text and "10.9.8.7" not in text and "Traceback" not in text


def test_database_down_is_a_503_for_authenticated_reads_and_writes(authed_client, database_down):
    assert_unavailable(authed_client.get("/api/accounts/me"))
    assert_unavailable(authed_client.get("/api/transactions/history"))
    assert_unavailable(
        authed_client.post("/api/payments/send", {"payee": "nobody@securebank", "amount": "1.00"}, format="json",
                           HTTP_IDEMPOTENCY_KEY="outage-1")
    )


def test_database_down_is_a_503_for_login_and_health(api_client, database_down):
    assert_unavailable(api_client.post("/api/auth/login", {"username": "a", "password": "b" * 8}, format="json"))
    assert_unavailable(api_client.get("/api/health/ready"))
    assert api_client.get("/api/health/live").status_code == 200


def test_requests_succeed_again_once_the_database_is_back(authed_client, database_down):
    assert_unavailable(authed_client.get("/api/accounts/me"))
    database_down.undo()
    assert authed_client.get("/api/accounts/me").status_code == 200


def test_fail_open_cache_answers_a_miss_within_its_timeout_when_redis_is_unreachable():
    # Nothing listens on port 1: connection refused, as when Redis is stopped.
    dead = FailOpenRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3}})
    started = time.monotonic()
    assert dead.get("k", "fallback") == "fallback"
    dead.set("k", "v")
    assert dead.add("k", "v") is False and dead.get_many(["k"]) == {}
    assert time.monotonic() - started < 3


def test_throttled_endpoints_serve_while_the_cache_is_down(settings, api_client, throttle_rates):
    throttle_rates(login="1000/min")
    settings.CACHES = {"default": {"BACKEND": "securebank.cache.FailOpenRedisCache", "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3}}}
    resp = api_client.post("/api/auth/login", {"username": "nobody", "password": "wrong-password"}, format="json")
    assert resp.status_code in (400, 401), resp.content  # an answer about the credentials, not a 500
