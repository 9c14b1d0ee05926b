"""createsuperuser without prompts, and the user admin (search by username, phone, VPA)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", interactive=False, username="ops", email="ops@example.in", verbosity=0)
    return User.objects.get(username="ops")


def test_createsuperuser_non_interactive(operator, api_client):
    assert operator.is_superuser and operator.is_staff
    assert operator.vpa == "ops@staff"
    assert operator.password.startswith("argon2$")
    resp = api_client.post("/api/auth/login", {"username": "ops", "password": PASSWORD}, format="json")
    assert resp.status_code == 200
    assert resp.json()["user"]["is_staff"] is True
    assert resp.json()["user"]["account"] is None  # operators hold no customer account


def test_createsuperuser_vpa_is_lower_case(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", interactive=False, username="Root", email="root@example.in", verbosity=0)
    assert User.objects.get(username="Root").vpa == "root@staff"


def test_createsuperuser_refuses_a_taken_username(operator, monkeypatch):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("createsuperuser", interactive=False, username="ops", email="x@example.in", verbosity=0)


@pytest.mark.parametrize("query", ["alice", "98765", "alice@securebank"])
def test_admin_user_search(client, operator, query):
    make_user("alice", phone="9876543210")
    make_user("bob", phone="9123456780")
    client.force_login(operator)
    resp = client.get("/admin/accounts/user/", {"q": query})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "alice@securebank" in html
    assert "bob@securebank" not in html


def test_admin_pages_render(client, operator):
    alice = make_user("alice")
    client.force_login(operator)
    assert client.get("/admin/").status_code == 200
    assert client.get(f"/admin/accounts/user/{alice.pk}/change/").status_code == 200
    assert client.get("/admin/accounts/user/add/").status_code == 200


def test_admin_add_user_gets_a_staff_vpa(client, operator):
    client.force_login(operator)
    resp = client.post(
        "/admin/accounts/user/add/",
        {"username": "auditor", "email": "auditor@example.in", "password1": PASSWORD, "password2": PASSWORD,
         "usable_password": "true"},
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    assert User.objects.get(username="auditor").vpa == "auditor@staff"


def test_admin_requires_staff(client):
    alice = make_user("alice")
    client.force_login(alice)
    resp = client.get("/admin/accounts/user/")
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]
