"""Session, CSRF, user and messages middleware run for the admin and are skipped on the API."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import middleware as auth
from django.contrib.sessions import middleware as sessions
from django.middleware import csrf
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import PASSWORD, make_user
from securebank import admin_middleware

pytestmark = pytest.mark.django_db


def make_superuser() -> None:
    user = make_user("ops", is_staff=True)
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])


@pytest.mark.parametrize(
    ("path", "api"),
    [("/api/accounts/me", True), ("/classic/api/health", True), ("/admin/", False), ("/apix", False), ("/", False)],
)
def test_which_paths_are_the_api(rf, path, api):
    assert admin_middleware.is_api(rf.get(path)) is api


def test_the_admin_still_has_sessions_csrf_and_messages():
    make_superuser()
    client = Client(enforce_csrf_checks=True)
    page = client.get("/admin/login/")
    assert page.status_code == 200 and "csrftoken" in page.cookies
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()

    refused = client.post("/admin/login/", {"username": "ops", "password": PASSWORD})
    assert refused.status_code == 403  # no CSRF token: still refused on the admin

    logged_in = client.post(
        "/admin/login/?next=/admin/", {"username": "ops", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert logged_in.status_code == 302 and "sessionid" in logged_in.cookies
    assert client.get("/admin/").status_code == 200  # the session's user is the operator


def test_the_api_skips_the_admin_middleware(monkeypatch):
    calls: list[str] = []
    for module, name in [(sessions, "SessionMiddleware"), (csrf, "CsrfViewMiddleware"), (auth, "AuthenticationMiddleware")]:
        original = getattr(module, name).process_request
        monkeypatch.setattr(getattr(module, name), "process_request",
                            lambda self, request, _o=original, _n=name: calls.append(_n) or _o(self, request))  # fmt: skip
    alice = make_user("alice")
    client = Client(enforce_csrf_checks=True)
    response = client.get("/api/accounts/me", headers={"authorization": f"Bearer {AccessToken.for_user(alice)}"})
    assert response.status_code == 200
    assert calls == []
    assert response.cookies == {}
    assert response["X-Frame-Options"] == "DENY"  # the rest of the chain still runs

    client.get("/admin/login/")
    assert set(calls) == {"SessionMiddleware", "CsrfViewMiddleware", "AuthenticationMiddleware"}


def test_an_admin_session_does_not_authenticate_the_api():
    make_superuser()
    client = Client()
    assert client.login(username="ops", password=PASSWORD)
    response = client.get("/api/accounts/me")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
