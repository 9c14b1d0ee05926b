"""Login, refresh rotation and logout."""

from __future__ import annotations

import pytest
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login"
REFRESH = "/api/auth/refresh"
LOGOUT = "/api/auth/logout"
PROFILE = "/api/auth/profile"


@pytest.fixture
def alice():
    return make_user("alice", email="alice@example.in", phone="9876543210")


def login(client, identifier, password=PASSWORD, field="username"):
    return client.post(LOGIN, {field: identifier, "password": password}, format="json")


@pytest.mark.parametrize(
    "identifier",
    ["alice", "ALICE", " alice ", "alice@example.in", "Alice@Example.IN", "9876543210", "+91 98765 43210", "098765-43210"],
)
def test_login_by_username_email_or_phone(api_client, alice, identifier):
    resp = login(api_client, identifier)
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["user"]["username"] == "alice"
    assert AccessToken(body["access"])["user_id"] == str(alice.pk)
    assert RefreshToken(body["refresh"])["user_id"] == str(alice.pk)


def test_login_accepts_identifier_field(api_client, alice):
    assert login(api_client, "alice@example.in", field="identifier").status_code == 200


def test_login_records_last_login(api_client, alice):
    assert alice.last_login is None
    assert login(api_client, "alice").status_code == 200
    alice.refresh_from_db()
    assert alice.last_login is not None


def test_unknown_user_and_wrong_password_get_the_identical_error(api_client, alice):
    wrong_password = login(api_client, "alice", password="Wrong-pass-123")
    unknown_user = login(api_client, "nobody", password="Wrong-pass-123")
    unknown_phone = login(api_client, "9123456780", password="Wrong-pass-123")
    unknown_email = login(api_client, "nobody@example.in", password="Wrong-pass-123")
    assert wrong_password.status_code == 401
    for other in (unknown_user, unknown_phone, unknown_email):
        assert other.status_code == wrong_password.status_code
        assert other.content == wrong_password.content
    assert wrong_password.json() == {
        "error": {"code": "invalid_credentials", "message": "Invalid credentials.", "fields": {}}
    }


def test_inactive_user_gets_the_same_error(api_client):
    make_user("mallory", is_active=False)
    resp = login(api_client, "mallory")
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "invalid_credentials"


def test_unknown_user_still_checks_a_password_hash(api_client, alice, monkeypatch):
    """No user enumeration by timing: an unknown user costs one hash check like a known one."""
    from accounts import services

    calls = []
    real = services.check_password
    monkeypatch.setattr(services, "check_password", lambda *a, **k: calls.append(a) or real(*a, **k))
    login(api_client, "nobody", password="x")
    assert len(calls) == 1


@pytest.mark.parametrize(
    "body",
    [{}, {"password": PASSWORD}, {"username": "alice"}, {"username": "", "password": PASSWORD}],
)
def test_login_missing_fields(api_client, alice, body):
    resp = api_client.post(LOGIN, body, format="json")
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "validation_error"


def test_login_unknown_field(api_client, alice):
    resp = api_client.post(LOGIN, {"username": "alice", "password": PASSWORD, "otp": "1"}, format="json")
    assert resp.status_code == 400
    assert resp.json()["error"]["fields"] == {"otp": ["Unknown field."]}


def test_refresh_rotates_and_the_old_refresh_is_unusable(api_client, alice):
    first = login(api_client, "alice").json()
    resp = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert resp.status_code == 200, resp.content
    rotated = resp.json()
    assert set(rotated) >= {"access", "refresh"}
    assert rotated["refresh"] != first["refresh"]
    assert AccessToken(rotated["access"])["user_id"] == str(alice.pk)

    replay = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "authentication_failed"
    assert set(replay.json()["error"]) == {"code", "message", "fields"}
    # The new one keeps working.
    assert api_client.post(REFRESH, {"refresh": rotated["refresh"]}, format="json").status_code == 200


@pytest.mark.parametrize("body", [{}, {"refresh": ""}, {"refresh": "not-a-token"}])
def test_refresh_rejects_garbage(api_client, body):
    resp = api_client.post(REFRESH, body, format="json")
    assert resp.status_code in (400, 401)
    assert set(resp.json()["error"]) == {"code", "message", "fields"}


def test_refresh_rejects_an_access_token(api_client, alice):
    access = login(api_client, "alice").json()["access"]
    resp = api_client.post(REFRESH, {"refresh": access}, format="json")
    assert resp.status_code == 401


def test_refresh_rejects_unknown_fields(api_client, alice):
    refresh = login(api_client, "alice").json()["refresh"]
    resp = api_client.post(REFRESH, {"refresh": refresh, "user_id": 1}, format="json")
    assert resp.status_code == 400
    assert resp.json()["error"]["fields"] == {"user_id": ["Unknown field."]}


def test_refresh_for_a_deactivated_user_fails(api_client, alice):
    refresh = login(api_client, "alice").json()["refresh"]
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert api_client.post(REFRESH, {"refresh": refresh}, format="json").status_code == 401


def test_logout_blacklists_the_refresh_token(api_client, alice):
    tokens = login(api_client, "alice").json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    resp = api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")
    assert resp.status_code == 204
    api_client.credentials()
    after = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "authentication_failed"


def test_logout_requires_authentication(api_client, alice):
    refresh = login(api_client, "alice").json()["refresh"]
    resp = api_client.post(LOGOUT, {"refresh": refresh}, format="json")
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "not_authenticated"
    # Still usable: an anonymous logout must not blacklist anything.
    assert api_client.post(REFRESH, {"refresh": refresh}, format="json").status_code == 200


def test_logout_cannot_blacklist_someone_elses_token(api_client, auth_client, alice):
    bob = make_user("bob")
    alice_refresh = login(api_client, "alice").json()["refresh"]
    resp = auth_client(bob).post(LOGOUT, {"refresh": alice_refresh}, format="json")
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "invalid_token"
    assert api_client.post(REFRESH, {"refresh": alice_refresh}, format="json").status_code == 200


@pytest.mark.parametrize("refresh", ["garbage", None])
def test_logout_rejects_bad_refresh(auth_client, alice, refresh):
    body = {} if refresh is None else {"refresh": refresh}
    resp = auth_client(alice).post(LOGOUT, body, format="json")
    assert resp.status_code == 400


def test_logout_rejects_an_access_token_as_refresh(api_client, auth_client, alice):
    access = login(api_client, "alice").json()["access"]
    resp = auth_client(alice).post(LOGOUT, {"refresh": access}, format="json")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_token"


def test_refresh_for_a_deleted_user_is_401_not_500(api_client):
    from accounts.models import User

    ghost = User.objects.create_user(username="ghost", email="ghost@example.in", password="x", vpa="ghost@securebank")
    refresh = str(RefreshToken.for_user(ghost))
    ghost.delete()
    resp = api_client.post(REFRESH, {"refresh": refresh}, format="json")
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "authentication_failed"
