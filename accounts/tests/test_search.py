"""GET /api/users/search: contacts by any part of name, username, VPA or phone; strangers only by
an exact VPA, phone or username; at most 10; throttled; bad input is 400."""

from __future__ import annotations

from decimal import Decimal

import pytest

from payments.services import money_request_create, payment_send

pytestmark = pytest.mark.django_db

SEARCH = "/api/users/search"


@pytest.fixture(autouse=True)
def _risk(scripted_risk):
    return scripted_risk


@pytest.fixture
def alice(user_factory):
    return user_factory("alice", full_name="Alice Rao")


@pytest.fixture
def people(alice, user_factory):
    """rahul: alice paid him; priya: paid alice; meera: asked alice for money; rajesh: a stranger."""
    rahul = user_factory("rsharma", full_name="Rahul Sharma", phone="9876543210")
    priya = user_factory("priya", full_name="Priya Nair")
    meera = user_factory("meera", full_name="Meera Iyer")
    rajesh = user_factory("rajesh", full_name="Rajesh Kumar", phone="9123456789")
    payment_send(payer=alice, payee=rahul.vpa, amount=Decimal("5.00"), note="")
    payment_send(payer=priya, payee=alice.vpa, amount=Decimal("5.00"), note="")
    money_request_create(requester=meera, payer=alice.vpa, amount=Decimal("5.00"), note="")
    return {"rahul": rahul, "priya": priya, "meera": meera, "rajesh": rajesh}


def search(client, q):
    resp = client.get(SEARCH, {"q": q})
    assert resp.status_code == 200, resp.content
    return resp.json()["results"]


def names(results) -> list[str]:
    return [r["username"] for r in results]


def test_contacts_by_part_of_name_username_vpa_or_phone(auth_client, alice, people):
    client = auth_client(alice)
    assert names(search(client, "rah")) == ["rsharma"]  # name prefix of a contact
    assert names(search(client, "SHARMA")) == ["rsharma"]  # any part, any case
    assert names(search(client, "priya@secure")) == ["priya"]  # part of a VPA
    assert names(search(client, "me")) == ["meera"]  # a request makes a contact
    assert names(search(client, "543")) == ["rsharma"]  # part of a phone
    hit = search(client, "rahul")[0]
    assert hit == {"user_id": people["rahul"].pk, "display_name": "Rahul Sharma", "username": "rsharma",
                   "vpa": "rsharma@securebank", "phone": "******3210", "is_contact": True, "matched_by": "contact"}


def test_a_stranger_is_found_only_by_an_exact_identifier(auth_client, alice, people):
    client = auth_client(alice)
    assert search(client, "raj") == []  # a prefix of a stranger's name finds nothing
    assert search(client, "Rajesh Kumar") == []
    assert search(client, "rajesh@secure") == []  # nor part of their VPA
    assert search(client, "912345") == []  # nor part of their phone
    for q, how in (("rajesh@securebank", "vpa"), ("RAJESH@SecureBank", "vpa"), ("+91 91234 56789", "phone"),
                   ("rajesh", "username")):
        results = search(client, q)
        assert names(results) == ["rajesh"] and results[0]["matched_by"] == how and results[0]["is_contact"] is False


def test_exact_match_of_a_contact_says_so(auth_client, alice, people):
    results = search(auth_client(alice), "9876543210")
    assert names(results) == ["rsharma"] and results[0]["is_contact"] is True and results[0]["matched_by"] == "phone"


def test_never_the_caller_and_never_inactive(auth_client, alice, people):
    client = auth_client(alice)
    assert search(client, "alice") == [] and search(client, "alice@securebank") == []
    people["rahul"].is_active = False
    people["rahul"].save()
    assert search(client, "rahul") == [] and search(client, "rsharma@securebank") == []


def test_at_most_ten(auth_client, alice, user_factory):
    for i in range(12):
        friend = user_factory(f"friend{i:02d}", full_name=f"Friend {i:02d}")
        payment_send(payer=alice, payee=friend.vpa, amount=Decimal("1.00"), note="")
    results = search(auth_client(alice), "friend")
    assert len(results) == 10 and names(results) == [f"friend{i:02d}" for i in range(10)]


def test_someone_elses_contacts_are_not_mine(auth_client, user_factory, people):
    outsider = user_factory("zed", full_name="Zed")
    assert search(auth_client(outsider), "rahul") == []
    assert search(auth_client(outsider), "a") == []


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": "x" * 101}, {"q": "a", "limit": "500"}])
def test_bad_input(authed_client, params):
    resp = authed_client.get(SEARCH, params)
    assert resp.status_code == 400, resp.content
    assert resp.json()["error"]["code"] == "validation_error" and resp.json()["error"]["fields"]


@pytest.mark.parametrize("q", ["%", "_", "\\", "' OR 1=1 --", "\x00", "😀", "a%b", "@", "+91"])
def test_odd_text_never_500_and_wildcards_are_literal(auth_client, alice, people, q):
    resp = auth_client(alice).get(SEARCH, {"q": q})
    assert resp.status_code in (200, 400), resp.content
    if q in ("%", "_", "a%b", "' OR 1=1 --"):  # LIKE wildcards and SQL are matched literally
        assert resp.json()["results"] == []


def test_needs_authentication_and_is_throttled(api_client, authed_client, throttle_rates):
    assert api_client.get(SEARCH, {"q": "a"}).status_code == 401
    throttle_rates(search="2/min")
    for _ in range(2):
        assert authed_client.get(SEARCH, {"q": "a"}).status_code == 200
    resp = authed_client.get(SEARCH, {"q": "a"})
    assert resp.status_code == 429 and resp.json()["error"]["code"] == "throttled"


def everyone_is_a_contact(*, user):  # named by ACCOUNTS_CONTACT_SOURCES below
    from accounts.models import User

    return User.objects.values_list("pk", flat=True)


def test_contacts_come_from_the_sources_the_settings_name(auth_client, alice, people, settings):
    client = auth_client(alice)
    assert "rajesh" not in names(search(client, "Kumar"))  # a stranger, by a partial name
    settings.ACCOUNTS_CONTACT_SOURCES = [f"{__name__}.everyone_is_a_contact"]
    assert names(search(client, "Kumar")) == ["rajesh"]
    settings.ACCOUNTS_CONTACT_SOURCES = []
    assert "rsharma" not in names(search(client, "Sharma"))  # no source: nobody is a contact
