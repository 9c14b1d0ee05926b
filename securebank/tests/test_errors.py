"""Every error status, from DRF views, plain Django views and Django itself, leaves as
    {"error": {"code", "message", "fields"}}
with the right status and without a traceback, SQL or a secret."""

from __future__ import annotations

import json
import logging

import pytest
from django.conf import settings

from accounts.tests.factories import make_user
from securebank.tests.urls import LEAK

pytestmark = [pytest.mark.django_db, pytest.mark.urls("securebank.tests.urls")]

FORBIDDEN_TEXT = ("Traceback", "File \"", "SELECT", "no_such_table", "hunter2", LEAK, "RuntimeError", "KeyError", "<html")


def assert_error(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.content[:500])
    assert resp["Content-Type"].startswith("application/json"), resp["Content-Type"]
    body = json.loads(resp.content)
    assert set(body) == {"error"}, body
    err = body["error"]
    assert set(err) >= {"code", "message", "fields"}, err
    assert isinstance(err["code"], str) and err["code"]
    assert isinstance(err["message"], str) and err["message"]
    assert isinstance(err["fields"], dict)
    if code is not None:
        assert err["code"] == code, err
    text = resp.content.decode()
    for leak in (*FORBIDDEN_TEXT, settings.SECRET_KEY):
        assert leak not in text, leak
    return err


# --- 400 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [b"{bad json", b'{"username": "a",}', b"{'username': 'a'}", b'{"a": 1', b"\x00", b'{"a": NaN}', b'{"a": Infinity}',
     b'{"a": -Infinity}'],
)
def test_malformed_json_is_400(client, body):
    err = assert_error(client.post("/api/auth/login", body, content_type="application/json"), 400, "malformed_request")
    assert err["message"] == "The request body is not valid JSON."


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"username": "\xff\xfe", "password": "x"}', "application/json"),
        ('{"username": "al\u00efce"}'.encode("latin-1"), "application/json"),
        (b'{"username": "alice"}', "application/json; charset=utf-16"),
    ],
)
def test_non_utf8_body_is_400(client, body, content_type):
    # `generic` sends the bytes as they are (`post` would re-encode them to the declared charset).
    resp = client.generic("POST", "/api/auth/login", body, content_type=content_type)
    assert_error(resp, 400, "malformed_request")


def test_unknown_charset_is_read_as_utf8(client):
    body = b'{"username": "a", "password": "b"}'
    resp = client.generic("POST", "/api/auth/login", body, content_type="application/json; charset=x-no-such")
    assert_error(resp, 401, "invalid_credentials")


def test_deeply_nested_json_is_400_not_500(client):
    body = b"[" * 100_000 + b"]" * 100_000
    assert len(body) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert_error(client.post("/api/auth/login", body, content_type="application/json"), 400, "malformed_request")


@pytest.mark.parametrize("body", [b"[]", b'["username", "password"]', b'"alice"', b"42", b"true", b"null"])
def test_json_that_is_not_an_object_is_400(client, body):
    assert_error(client.post("/api/auth/login", body, content_type="application/json"), 400)


def test_empty_body_is_400(client):
    assert_error(client.post("/api/auth/login", b"", content_type="application/json"), 400)


@pytest.mark.parametrize(
    "payload",
    [{"amount": "1", "count": "many"}, {"amount": "1", "note": {"x": 1}}, {"amount": "1", "note": ["a"]},
     {"amount": "1", "note": "x" * 21}, {"amount": "1", "count": 1.5}],
)
def test_wrong_types_are_400_with_fields(client, payload):
    resp = client.post("/test/echo", json.dumps(payload), content_type="application/json")
    err = assert_error(resp, 400, "validation_error")
    assert set(err["fields"]) == set(payload) - {"amount"}


def test_unknown_fields_are_400(client):
    resp = client.post("/test/echo", json.dumps({"amount": "1", "amuont": "2"}), content_type="application/json")
    err = assert_error(resp, 400)
    assert err["fields"] == {"amuont": ["Unknown field."]}


def test_disallowed_host_is_400_json(client):
    assert_error(client.get("/api/health", HTTP_HOST="evil.example.com"), 400, "bad_request")


def test_disallowed_host_is_400_json_in_debug_too(client, settings):
    # Raised by CommonMiddleware, outside any view: DEBUG would answer with its HTML page.
    settings.DEBUG = True
    assert_error(client.get("/api/health", HTTP_HOST="evil.example.com"), 400, "bad_request")


def test_plain_view_html_error_is_replaced(client):
    assert_error(client.get("/test/plain-html-error"), 400, "bad_request")


# --- 413 -----------------------------------------------------------------------------------------
def test_oversize_json_body_is_413(client):
    body = json.dumps({"username": "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10), "password": "x"})
    assert_error(client.post("/api/auth/login", body, content_type="application/json"), 413, "request_too_large")


def test_oversize_body_to_an_authenticated_endpoint_is_413(auth_client):
    client = auth_client(make_user("alice"))
    body = b'{"full_name": "' + b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b'"}'
    resp = client.patch("/api/auth/profile", body, content_type="application/json")
    assert_error(resp, 413, "request_too_large")


def test_body_just_under_the_limit_is_parsed(client):
    filler = "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 100)
    body = json.dumps({"amount": "1", "note": filler})
    assert len(body) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    err = assert_error(client.post("/test/echo", body, content_type="application/json"), 400, "validation_error")
    assert "note" in err["fields"]  # parsed, then refused by the field's max_length


def test_oversize_body_with_a_lying_content_length_is_413(client):
    body = b'{"amount": "1", "note": "' + b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'
    resp = client.generic("POST", "/test/echo", body, content_type="application/json", CONTENT_LENGTH="20")
    # Django reads at most CONTENT_LENGTH bytes: a short length truncates the body, which then
    # fails to parse. Either way nothing large is parsed and nothing crashes.
    assert_error(resp, 400, "malformed_request")


# --- 401 / 403 -----------------------------------------------------------------------------------
def test_401_has_www_authenticate(client):
    resp = client.get("/api/auth/profile")
    assert_error(resp, 401, "not_authenticated")
    assert resp["WWW-Authenticate"].startswith("Bearer")


def test_403_from_a_permission_class(auth_client):
    assert_error(auth_client(make_user("alice")).get("/test/staff-only"), 403, "permission_denied")


def test_403_from_a_plain_django_view(client):
    assert_error(client.get("/test/plain-forbidden"), 403, "permission_denied")


def test_404_from_a_plain_django_view(client):
    assert_error(client.get("/test/plain-not-found"), 404, "not_found")


def test_400_from_a_plain_django_view(client):
    assert_error(client.get("/test/plain-bad-request"), 400, "bad_request")


@pytest.mark.parametrize("path", ["/test/plain-not-found", "/test/plain-bad-request", "/test/plain-forbidden"])
def test_client_errors_from_plain_views_are_json_in_debug_too(client, settings, path):
    settings.DEBUG = True
    assert_error(client.get(path), {"/test/plain-not-found": 404, "/test/plain-bad-request": 400}.get(path, 403))


def test_staff_passes_the_permission_class(auth_client):
    assert auth_client(make_user("ops", is_staff=True)).get("/test/staff-only").status_code == 200


# --- 404 / 405 / 406 / 415 -----------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/nope", "/api/auth/profile/extra", "/", "/nope.php", "/api/transactions/not-a-uuid"])
def test_unknown_url_is_404(client, path):
    assert_error(client.get(path), 404, "not_found")


def test_unknown_url_is_404_json_in_debug_too(client, settings):
    settings.DEBUG = True
    assert_error(client.get("/api/nope"), 404, "not_found")


@pytest.mark.parametrize(("method", "path"), [("get", "/api/auth/login"), ("delete", "/api/auth/register"),
                                             ("put", "/api/auth/refresh"), ("post", "/api/health")])
def test_wrong_method_is_405_with_allow(client, method, path):
    resp = getattr(client, method)(path)
    assert_error(resp, 405, "method_not_allowed")
    assert "POST" in resp["Allow"] or "GET" in resp["Allow"]


def test_not_acceptable_is_json(client):
    resp = client.get("/api/health", HTTP_ACCEPT="text/html")
    assert_error(resp, 406, "not_acceptable")


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"])
def test_unsupported_media_type_is_415(client, content_type):
    resp = client.generic("POST", "/api/auth/login", b"username=a&password=b", content_type=content_type)
    assert_error(resp, 415, "unsupported_media_type")


# --- 429 -----------------------------------------------------------------------------------------
def test_429_in_the_error_shape(client, throttle_rates):
    throttle_rates(login="1/min")
    body = json.dumps({"username": "x", "password": "y"})
    client.post("/api/auth/login", body, content_type="application/json")
    resp = client.post("/api/auth/login", body, content_type="application/json")
    assert_error(resp, 429, "throttled")
    assert int(resp["Retry-After"]) > 0


# --- 500 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path"), [("get", "/test/explode"), ("post", "/test/explode"), ("get", "/test/keyerror")])
def test_unexpected_exception_in_a_drf_view_is_a_clean_500(client, caplog, method, path):
    with caplog.at_level(logging.ERROR, logger="securebank.errors"):
        resp = getattr(client, method)(path, content_type="application/json")
    err = assert_error(resp, 500, "server_error")
    assert err["fields"] == {}
    # Logged server-side, with the traceback, for operators.
    assert any(record.exc_info for record in caplog.records if record.name == "securebank.errors")


def test_unexpected_exception_in_a_drf_view_is_clean_in_debug_too(client, settings):
    settings.DEBUG = True
    assert_error(client.get("/test/explode"), 500, "server_error")


def test_unexpected_exception_in_a_plain_django_view_is_a_clean_500(client):
    assert_error(client.get("/test/plain-explode"), 500, "server_error")


@pytest.mark.django_db(transaction=True)  # autocommit, like a served request (no test-wide transaction)
def test_a_failed_sql_statement_is_a_clean_500_and_the_connection_recovers(client):
    assert_error(client.post("/test/explode"), 500)
    from accounts.models import User

    # The next request on the same connection reads and writes (PostgreSQL would refuse every
    # statement in a transaction left aborted by the failed one).
    body = json.dumps({"username": "after", "email": "after@example.in", "password": "S3cure-pass-99",
                       "full_name": "After Failure", "phone": "+91 98765 00001"})
    resp = client.post("/api/auth/register", body, content_type="application/json")
    assert resp.status_code == 201, resp.content[:300]
    assert User.objects.filter(username="after").count() == 1


# --- The shape is the contract -------------------------------------------------------------------
def test_validation_errors_list_messages_per_field(client):
    resp = client.post("/api/auth/register", json.dumps({"username": "a"}), content_type="application/json")
    err = assert_error(resp, 400, "validation_error")
    assert err["message"] == "The request is invalid."
    assert all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in err["fields"].values())


def test_domain_error_extra_keys_and_status():
    from securebank.errors import Conflict, DomainError, InvalidAmount, NotFound, error_body

    class Frozen(DomainError):
        status_code = 423
        code = "account_frozen"
        message = "Frozen."

    exc = Frozen(fields={"account": ["frozen"]}, account="123")
    assert exc.as_body() == {"error": {"code": "account_frozen", "message": "Frozen.", "fields": {"account": ["frozen"]},
                                       "account": "123"}}
    assert InvalidAmount().status_code == 400 and NotFound().status_code == 404 and Conflict().status_code == 409
    assert Frozen("Custom.").message == "Custom."
    assert error_body("x", "y") == {"error": {"code": "x", "message": "y", "fields": {}}}


@pytest.mark.parametrize("atomic_requests", [False, True])
def test_a_domain_error_marks_the_request_transaction_for_rollback(client, atomic_requests):
    """The view writes outside any atomic block of its own, then raises a DomainError. SecureBank
    runs with ATOMIC_REQUESTS off (each service owns its transaction), so the write stays; with
    it on, the handler's set_rollback() must undo it. Both halves can fail."""
    from django.db import connection

    from accounts.models import User

    saved = connection.settings_dict["ATOMIC_REQUESTS"]
    connection.settings_dict["ATOMIC_REQUESTS"] = atomic_requests
    try:
        resp = client.post("/test/write-then-fail", content_type="application/json")
    finally:
        connection.settings_dict["ATOMIC_REQUESTS"] = saved
    assert_error(resp, 409, "conflict")
    assert User.objects.filter(username="half").exists() is not atomic_requests
