"""Suite-wide fixtures and the PostgreSQL marker."""

from __future__ import annotations

import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):  # noqa: ANN001
    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); runs in .ci/run's PostgreSQL pass")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache: start every test clean."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def auth_client():
    """`auth_client(user)` -> an APIClient authenticated with a real JWT access token."""
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    def make(user):  # noqa: ANN001, ANN202
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        return client

    return make
