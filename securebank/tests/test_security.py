"""Security headers on every response (errors included) and CORS for the frontend only."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

FRONTEND = "http://localhost:5173"


def assert_secure_headers(resp, *, coop: str = "same-origin"):
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["X-Frame-Options"] == "DENY"
    assert resp["Referrer-Policy"] == "same-origin"
    assert resp["Cross-Origin-Opener-Policy"] == coop


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/health", 200),
        ("get", "/api/auth/profile", 401),
        ("get", "/api/nope", 404),
        ("get", "/api/auth/login", 405),
        ("post", "/api/auth/login", 400),
        ("get", "/api/docs/", 200),
    ],
)
def test_security_headers_on_success_and_error(client, method, path, status):
    resp = getattr(client, method)(path, content_type="application/json")
    assert resp.status_code == status
    # drf-spectacular's Swagger UI relaxes the opener policy for its OAuth pop-up.
    assert_secure_headers(resp, coop="unsafe-none" if path == "/api/docs/" else "same-origin")


@pytest.mark.urls("securebank.tests.urls")
def test_security_headers_on_a_500(client):
    resp = client.get("/test/explode")
    assert resp.status_code == 500
    assert_secure_headers(resp)


def test_cors_preflight_allows_the_frontend(client):
    resp = client.options(
        "/api/auth/login",
        HTTP_ORIGIN=FRONTEND,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )
    assert resp.status_code == 200
    assert resp["Access-Control-Allow-Origin"] == FRONTEND
    allowed = {h.strip() for h in resp["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    assert "POST" in resp["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example.com", "http://localhost:5174", "https://localhost:5173", "http://localhost:5173.evil.com", "null"],
)
def test_cors_refuses_other_origins(client, origin):
    preflight = client.options(
        "/api/auth/login", HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in preflight
    resp = client.get("/api/health", HTTP_ORIGIN=origin)
    assert "Access-Control-Allow-Origin" not in resp


def test_cors_never_a_wildcard(client, settings):
    assert settings.CORS_ALLOW_ALL_ORIGINS is False
    assert "*" not in settings.CORS_ALLOWED_ORIGINS
    resp = client.get("/api/health", HTTP_ORIGIN=FRONTEND)
    assert resp["Access-Control-Allow-Origin"] == FRONTEND


def test_frontend_can_read_error_bodies(client):
    # A 401 without the CORS header would reach the browser as an opaque network error.
    resp = client.get("/api/auth/profile", HTTP_ORIGIN=FRONTEND)
    assert resp.status_code == 401
    assert resp["Access-Control-Allow-Origin"] == FRONTEND


def test_errors_keep_the_vary_header(client):
    resp = client.get("/api/nope", HTTP_ORIGIN=FRONTEND)
    assert resp.status_code == 404
    assert "origin" in resp.get("Vary", "").lower()
