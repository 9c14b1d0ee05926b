"""Classic rows: health, register, login, logout, profile — the exact bodies the app sends and
every field it reads, with types (classic-frontend.md)."""

from __future__ import annotations

import pytest

from accounts.models import User
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
API = "/classic/api"


def test_health_answers_ok_without_a_token(api_client):
    res = api_client.get(f"{API}/health")
    assert res.status_code == 200
    assert res.json()["status"] in {"ok", "degraded"}
    assert set(res.json()) == {"status"}  # the checks (model version, database vendor) are for staff


def test_register_answers_token_user_and_account_balance_as_a_number(api_client):
    body = {"username": "neha", "email": "neha@example.in", "password": PASSWORD, "full_name": "Neha Rao",
            "phone": "9876500001"}
    res = api_client.post(f"{API}/auth/register", body, format="json")
    assert res.status_code == 201, res.json()
    data = res.json()
    assert isinstance(data["token"], str) and data["token"].count(".") == 2
    user = data["user"]
    assert isinstance(user["id"], int)
    assert (user["username"], user["email"], user["full_name"], user["upi_id"], user["phone"]) == (
        "neha", "neha@example.in", "Neha Rao", "neha@securebank", "9876500001")
    assert isinstance(data["account"]["balance"], float) and data["account"]["balance"] == 10000.0
    assert User.objects.filter(username="neha").exists()
    # The token works for the next call the app makes.
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {data['token']}")
    assert api_client.get(f"{API}/auth/profile").status_code == 200


def test_register_refusal_is_a_readable_string(api_client, alice):
    body = {"username": "alice", "email": "x@example.in", "password": PASSWORD, "full_name": "", "phone": ""}
    res = api_client.post(f"{API}/auth/register", body, format="json")
    assert res.status_code == 400
    data = res.json()
    assert isinstance(data["error"], str) and "username: This username is taken." in data["error"]
    assert data["fields"]["username"] == ["This username is taken."] and data["success"] is False


def test_login_answers_token_user_and_accounts0_balance(api_client, alice):
    res = api_client.post(f"{API}/auth/login", {"username": "alice", "password": PASSWORD}, format="json")
    assert res.status_code == 200
    data = res.json()
    assert isinstance(data["token"], str)
    assert data["user"]["id"] == alice.pk and data["user"]["upi_id"] == "alice@securebank"
    assert data["accounts"][0]["balance"] == 10000.0 and isinstance(data["accounts"][0]["balance"], float)


def test_login_failure_is_a_string_error(api_client, alice):
    res = api_client.post(f"{API}/auth/login", {"username": "alice", "password": "wrong"}, format="json")
    assert res.status_code == 401
    assert isinstance(res.json()["error"], str) and res.json()["error"]
    assert res.json()["code"] == "invalid_credentials"


def test_logout_without_body_or_token_succeeds(api_client):
    res = api_client.post(f"{API}/auth/logout")
    assert res.status_code == 200 and res.json()["success"] is True


def test_logout_with_a_stale_token_still_succeeds(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
    assert api_client.post(f"{API}/auth/logout").status_code == 200


def test_logout_with_refresh_blacklists_it(api_client, alice):
    login = api_client.post(f"{API}/auth/login", {"username": "alice", "password": PASSWORD}, format="json").json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login['token']}")
    assert api_client.post(f"{API}/auth/logout", {"refresh": login["refresh"]}, format="json").status_code == 200
    res = api_client.post("/api/auth/refresh", {"refresh": login["refresh"]}, format="json")
    assert res.status_code == 401


def test_profile_get_reads_user_and_accounts0_balance(auth_client, alice):
    res = auth_client(alice).get(f"{API}/auth/profile")
    assert res.status_code == 200
    data = res.json()
    assert data["user"]["full_name"] == "Alice Rao" and data["user"]["phone"] == "9876543210"
    assert data["accounts"][0]["balance"] == 10000.0
    assert isinstance(data["accounts"][0]["account_number"], str)


def test_profile_put_changes_name_email_phone(auth_client, alice):
    body = {"full_name": "Alice R", "email": "alice.r@example.in", "phone": "9000000001"}
    res = auth_client(alice).put(f"{API}/auth/profile", body, format="json")
    assert res.status_code == 200, res.json()
    alice.refresh_from_db()
    assert (alice.full_name, alice.email, alice.phone) == ("Alice R", "alice.r@example.in", "9000000001")
    assert res.json()["user"]["email"] == "alice.r@example.in"


def test_profile_put_refusal_is_a_string(auth_client, alice, bob):
    res = auth_client(alice).put(f"{API}/auth/profile", {"phone": bob.phone}, format="json")
    assert res.status_code == 400
    assert res.json()["error"] == "phone: This phone number is already registered."


def test_profile_without_token_is_401_with_string_error(api_client):
    res = api_client.get(f"{API}/auth/profile")
    assert res.status_code == 401 and isinstance(res.json()["error"], str)
