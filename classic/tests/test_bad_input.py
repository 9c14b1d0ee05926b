"""Bad input under the classic prefix: always 4xx with `error` as a readable string, never a 500
and never the project's nested error object."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db
API = "/classic/api"

POSTS = ["auth/register", "auth/login", "payments/send", "payments/request", "blockchain/generate-qr", "pin/setup",
         "pin/verify", "pin/change", "pin/reset", "speech/parse-text", "speech/execute-command", "fraud/analyze"]


def assert_classic_error(res, status: int | None = None) -> None:
    assert 400 <= res.status_code < 500, (res.status_code, res.content[:200])
    if status is not None:
        assert res.status_code == status, res.json()
    body = res.json()
    assert isinstance(body["error"], str) and body["error"], body
    assert isinstance(body["code"], str) and body["success"] is False


@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b"null", b'{"amount": NaN}', b"\xff\xfe"])
def test_malformed_bodies(auth_client, alice, path, raw):
    res = auth_client(alice).post(f"{API}/{path}", raw, content_type="application/json")
    assert_classic_error(res)


@pytest.mark.parametrize("path", POSTS)
def test_wrong_types_for_every_field(auth_client, alice, path):
    body = {k: {"nested": [1]} for k in ("username", "password", "email", "receiver_id", "from_user_id", "amount", "pin",
                                         "text", "command", "recipient_id", "description", "note", "confirm_pin")}
    assert_classic_error(auth_client(alice).post(f"{API}/{path}", body, format="json"))


def test_unknown_path_is_a_classic_404(auth_client, alice, api_client):
    assert_classic_error(auth_client(alice).get(f"{API}/users/find-by-upi?upi_id=x"), 404)
    assert_classic_error(api_client.post(f"{API}/nope"), 404)


def test_wrong_method_is_405_with_a_string(auth_client, alice):
    assert_classic_error(auth_client(alice).get(f"{API}/payments/send"), 405)
    assert_classic_error(auth_client(alice).delete(f"{API}/auth/profile"), 405)


def test_unsupported_media_type(auth_client, alice):
    res = auth_client(alice).post(f"{API}/payments/send", b"receiver_id=1", content_type="application/x-www-form-urlencoded")
    assert_classic_error(res, 415)


def test_forged_token_is_a_string_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer forged.token.here")
    assert_classic_error(api_client.get(f"{API}/payments/balance"), 401)


def test_throttled_is_a_string_429(auth_client, alice, throttle_rates):
    throttle_rates(login="1/min")
    body = {"username": "alice", "password": "wrong"}
    client = auth_client(alice)
    client.post(f"{API}/auth/login", body, format="json")
    assert_classic_error(client.post(f"{API}/auth/login", body, format="json"), 429)
