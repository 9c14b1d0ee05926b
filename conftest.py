"""Suite-wide fixtures and the PostgreSQL marker."""

from __future__ import annotations

import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); runs in .ci/run's PostgreSQL pass")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Argon2id with tiny cost parameters for the suite: production's parameters cost about a
    second per hash on a small machine, and every test user hashes a password. Production's
    PASSWORD_HASHERS are checked in securebank/tests/test_settings.py."""
    from django.test import override_settings

    with override_settings(
        PASSWORD_HASHERS=[
            "accounts.tests.hashers.FastArgon2PasswordHasher",
            "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ]
    ):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache: start every test clean."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _outbox_acks_at_once(settings):
    """A pushed notification is acknowledged by the push itself, not by a background thread a
    second later (which would write outside the test's transaction)."""
    settings.OUTBOX_ACK_SECONDS = 0


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def auth_client():
    """`auth_client(user)` -> an APIClient authenticated with a real JWT access token."""
    from securebank.tests.threads import client_for

    return client_for


STAFF_PASSWORD = "Ops-pass-12345"  # noqa: S105 - a test superuser's


@pytest.fixture
def scripted_risk(settings):
    """Risk decisions chosen by the test (`scripted_risk.decision = "hold"`); apps whose tests
    never need the real fraud model make this autouse in their conftest."""
    from ledger.tests.assessors import Scripted

    settings.LEDGER_RISK_ASSESSOR = "ledger.tests.assessors.Scripted"
    Scripted.reset()
    yield Scripted
    Scripted.reset()


@pytest.fixture
def staff_client(db):
    """A Django test client logged in to the admin as a superuser."""
    from django.test import Client

    from accounts.models import User

    User.objects.create_superuser("ops", "ops@example.in", STAFF_PASSWORD)
    client = Client()
    client.login(username="ops", password=STAFF_PASSWORD)
    return client


@pytest.fixture
def user_factory(db):
    """`user_factory("alice", balance="500.00", phone="+91 98765 43210")` -> a customer with a VPA
    and a funded primary account (password `accounts.tests.factories.PASSWORD`)."""
    from accounts.tests.factories import make_user

    return make_user


@pytest.fixture
def user(user_factory):
    return user_factory()


@pytest.fixture
def alice(user_factory):
    """Alice Rao, with a phone; a module may define its own `alice` for other details."""
    return user_factory("alice", full_name="Alice Rao", phone="+91 98765 43210")


@pytest.fixture
def bob(user_factory):
    return user_factory("bob", full_name="Bob Iyer", phone="9123456780")


@pytest.fixture
def authed_client(auth_client, user):
    """An APIClient authenticated (real JWT) as the `user` fixture; the user is `client.user`."""
    client = auth_client(user)
    client.user = user
    return client


@pytest.fixture
def throttle_rates(settings, monkeypatch):
    """`throttle_rates(login="3/min")`: throttles are off under pytest (securebank.testing); this
    turns scopes on for one test. DRF copies the rates onto the throttle class at import, so
    overriding REST_FRAMEWORK alone would not reach it: both are set, both are undone."""
    from rest_framework.throttling import SimpleRateThrottle

    def apply(**rates: str | None) -> dict:
        merged = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates}
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": merged}
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", merged)
        return merged

    return apply
