"""Classic row: GET users/search?q= -> users[] {id, full_name, username, upi_id}, by the same
selector as /api/users/search (a stranger only by an exact identifier)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.models import Transaction
from ledger.selectors import account_primary_for_user_id
from ledger.services import transfer_create

pytestmark = pytest.mark.django_db
API = "/classic/api"


def test_exact_username_finds_a_stranger_with_the_fields_the_app_reads(auth_client, alice, bob):
    res = auth_client(alice).get(f"{API}/users/search", {"q": "bob"})
    assert res.status_code == 200
    (hit,) = res.json()["users"]
    assert hit["id"] == bob.pk and isinstance(hit["id"], int)
    assert (hit["full_name"], hit["username"], hit["upi_id"]) == ("Bob Iyer", "bob", "bob@securebank")
    assert hit["phone"] == "******6780"


def test_a_prefix_of_a_strangers_name_finds_nothing(auth_client, alice, bob):
    assert auth_client(alice).get(f"{API}/users/search", {"q": "Bo"}).json()["users"] == []


def test_a_contact_is_found_by_part_of_the_name(auth_client, alice, bob):
    transfer_create(payer=alice, payee_account=account_primary_for_user_id(user_id=bob.pk), amount=Decimal("1.00"),
                    kind=Transaction.Kind.PAYMENT, channel="upi", description="")
    users = auth_client(alice).get(f"{API}/users/search", {"q": "iye"}).json()["users"]
    assert [u["id"] for u in users] == [bob.pk]


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "x" * 101}, {"q": "bob", "limit": 5}])
def test_bad_queries_are_string_errors(auth_client, alice, params):
    res = auth_client(alice).get(f"{API}/users/search", params)
    assert res.status_code == 400 and isinstance(res.json()["error"], str)


def test_search_needs_the_token(api_client, bob):
    res = api_client.get(f"{API}/users/search", {"q": "bob"})
    assert res.status_code == 401 and isinstance(res.json()["error"], str)
