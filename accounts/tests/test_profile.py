"""GET/PATCH /api/auth/profile: own profile only, username and VPA fixed."""

from __future__ import annotations

import pytest

from accounts.models import User
from accounts.tests.factories import make_user

pytestmark = pytest.mark.django_db

URL = "/api/auth/profile"


def test_profile_requires_auth(api_client):
    for method in (api_client.get, api_client.patch):
        resp = method(URL)
        assert resp.status_code == 401
        assert resp.json()["error"]["code"] == "not_authenticated"
        assert resp["WWW-Authenticate"].startswith("Bearer")


def test_profile_shows_own_user_and_account(authed_client):
    resp = authed_client.get(URL)
    assert resp.status_code == 200
    body = resp.json()
    user = authed_client.user
    assert body["id"] == user.pk and body["username"] == user.username
    assert body["vpa"] == body["upi_id"] == f"{user.username}@securebank"
    assert body["account"]["balance"] == "10000.00"
    assert len(body["account"]["account_number"]) >= 10
    assert "password" not in body


def test_patch_changes_name_email_and_phone(auth_client):
    alice = make_user("alice")
    resp = auth_client(alice).patch(
        URL, {"full_name": "  Alice R. Rao ", "email": "NEW@Example.in", "phone": "+91 91234 56780"}, format="json"
    )
    assert resp.status_code == 200, resp.content
    alice.refresh_from_db()
    assert (alice.full_name, alice.email, alice.phone) == ("Alice R. Rao", "new@example.in", "9123456780")
    assert resp.json()["phone"] == "9123456780"


def test_patch_one_field_leaves_others(auth_client):
    alice = make_user("alice", phone="9876543210")
    assert auth_client(alice).patch(URL, {"full_name": "A"}, format="json").status_code == 200
    alice.refresh_from_db()
    assert alice.phone == "9876543210" and alice.email == "alice@example.in"


@pytest.mark.parametrize("field", ["username", "vpa", "upi_id", "is_staff", "id", "account"])
def test_patch_cannot_change_username_vpa_or_privileges(auth_client, field):
    alice = make_user("alice")
    resp = auth_client(alice).patch(URL, {field: "mallory@securebank" if field != "is_staff" else True}, format="json")
    assert resp.status_code == 400
    assert resp.json()["error"]["fields"] == {field: ["Unknown field."]}
    alice.refresh_from_db()
    assert (alice.username, alice.vpa, alice.is_staff) == ("alice", "alice@securebank", False)


def test_patch_rejects_taken_email_and_phone(auth_client):
    make_user("bob", email="bob@example.in", phone="9123456780")
    alice = make_user("alice")
    resp = auth_client(alice).patch(URL, {"email": "BOB@example.in", "phone": "09123456780"}, format="json")
    assert resp.status_code == 400
    assert set(resp.json()["error"]["fields"]) == {"email", "phone"}


def test_patch_rejects_malformed_phone(auth_client):
    alice = make_user("alice")
    resp = auth_client(alice).patch(URL, {"phone": "12345"}, format="json")
    assert resp.status_code == 400 and "phone" in resp.json()["error"]["fields"]


def test_patch_keeping_own_phone_is_fine(auth_client):
    alice = make_user("alice", phone="9876543210")
    assert auth_client(alice).patch(URL, {"phone": "+919876543210"}, format="json").status_code == 200


def test_patch_race_on_unique_phone_is_a_400(auth_client, monkeypatch):
    from accounts import selectors

    make_user("bob", phone="9123456780")
    alice = make_user("alice")
    monkeypatch.setattr(selectors, "phone_taken", lambda **kw: False)
    resp = auth_client(alice).patch(URL, {"phone": "9123456780"}, format="json")
    assert resp.status_code == 400
    assert "phone" in resp.json()["error"]["fields"]
    assert User.objects.get(username="alice").phone is None


def test_profile_of_a_deleted_user_token_is_401(auth_client):
    alice = make_user("alice")
    client = auth_client(alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    resp = client.get(URL)
    assert resp.status_code == 401
    assert set(resp.json()["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize("claim", ["no-such-user", 987654321, None])
def test_a_token_naming_no_user_is_401(api_client, claim):
    """A validly signed token whose user id is unknown or of the wrong type: 401, never 500."""
    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken.for_user(make_user("alice"))
    token["user_id"] = claim
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    resp = api_client.get(URL)
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "authentication_failed"


def test_the_authenticated_user_is_read_in_full(auth_client):
    alice = make_user("alice", full_name="Alice Rao")
    resp = auth_client(alice).get(URL)
    assert resp.status_code == 200 and resp.json()["full_name"] == "Alice Rao" and resp.json()["vpa"] == alice.vpa


def summary_from_elsewhere(*, user):  # named by ACCOUNTS_ACCOUNT_SUMMARY below
    return {"from": "the setting", "user": user.username}


def test_the_account_summary_comes_from_the_app_the_settings_name(auth_client, settings):
    from accounts.tests.factories import make_user

    alice = make_user("alice")
    assert auth_client(alice).get(URL).json()["account"]["balance"] == "10000.00"
    settings.ACCOUNTS_ACCOUNT_SUMMARY = f"{__name__}.summary_from_elsewhere"
    assert auth_client(alice).get(URL).json()["account"] == {"from": "the setting", "user": "alice"}
