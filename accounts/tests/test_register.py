"""POST /api/auth/register: validation, normalization, VPA and the primary account."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest

from accounts.models import User
from accounts.tests.factories import PASSWORD, make_user
from ledger.models import Account

pytestmark = pytest.mark.django_db

URL = "/api/auth/register"


def payload(**overrides):
    body = {
        "username": "alice",
        "email": "alice@example.in",
        "password": PASSWORD,
        "full_name": "Alice Rao",
        "phone": "+91 98765 43210",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def register(api_client, **overrides):
    return api_client.post(URL, payload(**overrides), format="json")


def assert_field_error(resp, field):
    assert resp.status_code == 400, resp.content
    err = resp.json()["error"]
    assert err["code"] == "validation_error"
    assert field in err["fields"], err
    return err


def test_register_creates_user_vpa_account_and_tokens(api_client, settings):
    resp = register(api_client)
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert set(body) == {"user", "access", "refresh"}
    user = body["user"]
    assert user["username"] == "alice"
    assert user["vpa"] == user["upi_id"] == "alice@securebank"
    assert user["phone"] == "9876543210"
    assert user["email"] == "alice@example.in"
    assert "password" not in user
    assert user["account"]["balance"] == "10000.00"
    stored = User.objects.get(username="alice")
    assert stored.password.startswith("argon2$argon2id$")
    assert stored.check_password(PASSWORD)
    assert Account.objects.get(owner=stored, is_primary=True).balance == Decimal(settings.OPENING_BALANCE)
    # The tokens work.
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert api_client.get("/api/auth/profile").json()["username"] == "alice"


def test_username_and_email_are_stored_lower_case_and_vpa_follows(api_client):
    resp = register(api_client, username="Alice.Rao", email="Alice.Rao@Example.IN")
    assert resp.status_code == 201, resp.content
    user = User.objects.get()
    assert (user.username, user.email, user.vpa) == ("alice.rao", "alice.rao@example.in", "alice.rao@securebank")


@pytest.mark.parametrize(
    "raw", ["9876543210", "+919876543210", "+91 98765-43210", "098765 43210", "919876543210", "(987) 654-3210"]
)
def test_phone_forms_accepted_and_normalized(api_client, raw):
    resp = register(api_client, phone=raw)
    assert resp.status_code == 201, resp.content
    assert User.objects.get().phone == "9876543210"


@pytest.mark.parametrize("raw", ["12345", "5876543210", "98765432101", "+1 415 555 0100", "98765abcde", "+91"])
def test_malformed_phone_rejected(api_client, raw):
    err = assert_field_error(register(api_client, phone=raw), "phone")
    assert "10-digit" in err["fields"]["phone"][0]
    assert not User.objects.exists()


def test_phone_is_optional(api_client):
    resp = register(api_client, phone=...)
    assert resp.status_code == 201
    assert User.objects.get().phone is None
    # Two users without a phone do not collide.
    assert register(api_client, username="bob", email="bob@example.in", phone="").status_code == 201


@pytest.mark.parametrize(
    ("field", "first", "second"),
    [
        ("username", {"username": "alice"}, {"username": "ALICE"}),
        ("email", {"email": "alice@example.in"}, {"email": "ALICE@Example.In"}),
        ("phone", {"phone": "9876543210"}, {"phone": "+91 98765-43210"}),
    ],
)
def test_duplicates_rejected_case_insensitively(api_client, field, first, second):
    assert register(api_client, **first).status_code == 201
    others = {"username": "bob", "email": "bob@example.in", "phone": "9123456780"}
    others.pop(field)
    err = assert_field_error(register(api_client, **others, **second), field)
    assert "already" in err["fields"][field][0] or "taken" in err["fields"][field][0]
    assert User.objects.count() == 1


def test_username_taken_by_an_existing_vpa(api_client):
    # A VPA is unique even if the username row differs (e.g. an operator renamed a user).
    make_user("carol")
    User.objects.filter(username="carol").update(username="carol2")
    err = assert_field_error(register(api_client, username="carol", email="c@example.in"), "username")
    assert err["fields"]["username"] == ["This username is taken."]


@pytest.mark.parametrize(
    "password", ["short1!", "password123", "12345678901", "alice123", ""]
)
def test_weak_password_rejected(api_client, password):
    resp = register(api_client, password=password, username="alice", email="alice@example.in")
    err = assert_field_error(resp, "password")
    assert err["fields"]["password"]
    assert not User.objects.exists()


@pytest.mark.parametrize("missing", ["username", "email", "password"])
def test_missing_required_field(api_client, missing):
    err = assert_field_error(register(api_client, **{missing: ...}), missing)
    assert err["fields"][missing] == ["This field is required."]


def test_empty_body(api_client):
    resp = api_client.post(URL, {}, format="json")
    err = assert_field_error(resp, "username")
    assert {"username", "email", "password"} <= set(err["fields"])


@pytest.mark.parametrize("extra", [{"vpa": "boss@securebank"}, {"is_staff": True}, {"balance": "1000000"}])
def test_unknown_fields_rejected(api_client, extra):
    resp = api_client.post(URL, {**payload(), **extra}, format="json")
    field = next(iter(extra))
    err = assert_field_error(resp, field)
    assert err["fields"][field] == ["Unknown field."]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "username", ["ab", "-alice", "alice bob", "alice@home", "a" * 31, "ालिस", "9876543210", "+919876543210"]
)
def test_invalid_usernames(api_client, username):
    assert_field_error(register(api_client, username=username), "username")


@pytest.mark.parametrize("email", ["not-an-email", "alice@", "@example.in"])
def test_invalid_email(api_client, email):
    assert_field_error(register(api_client, email=email), "email")


@pytest.mark.parametrize(
    ("field", "value"), [("username", ["alice"]), ("email", {"a": 1}), ("password", 12345678), ("phone", True)]
)
def test_wrong_types(api_client, field, value):
    resp = register(api_client, **{field: value})
    assert_field_error(resp, field)


def test_all_errors_reported_together(api_client):
    make_user("alice", email="alice@example.in", phone="9876543210")
    resp = register(api_client, password="password")
    err = assert_field_error(resp, "username")
    assert {"username", "email", "phone", "password"} <= set(err["fields"])


def test_vpas_are_unique_per_user(api_client):
    for name in ("dev", "dev.ops", "dev_ops", "dev-ops"):
        assert register(api_client, username=name, email=f"{name}@example.in", phone=...).status_code == 201
    vpas = list(User.objects.values_list("vpa", flat=True))
    assert sorted(vpas) == ["dev-ops@securebank", "dev.ops@securebank", "dev@securebank", "dev_ops@securebank"]


def test_register_race_on_unique_constraint_is_a_400_not_a_500(api_client):
    """Two requests can both pass the pre-checks; the loser gets the same 400 as a duplicate."""
    make_user("alice", email="alice@example.in", phone="9876543210")
    with mock.patch("accounts.selectors.username_taken", return_value=False), mock.patch(
        "accounts.selectors.vpa_taken", return_value=False
    ):
        resp = register(api_client, email="other@example.in", phone="9123456780")
    err = assert_field_error(resp, "username")
    assert err["fields"]["username"] == ["This username is taken."]
    assert User.objects.count() == 1


def test_register_rolls_back_the_user_when_opening_the_account_fails(api_client):
    with mock.patch("ledger.services.account_open_primary", side_effect=RuntimeError("ledger down")):
        resp = register(api_client)
    assert resp.status_code == 500
    assert resp.json()["error"]["code"] == "server_error"
    assert "ledger down" not in resp.content.decode()
    assert not User.objects.exists()
