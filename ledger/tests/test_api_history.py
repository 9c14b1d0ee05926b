from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import make_user
from ledger import services
from ledger.models import Account, Transaction

pytestmark = pytest.mark.django_db
D = Decimal


def acc(user) -> Account:
    return Account.objects.get(owner=user, is_primary=True)


@pytest.fixture
def trio():
    alice, bob, carol = make_user("alice", full_name="Alice Rao"), make_user("bob", full_name="Bob Das"), make_user("carol")
    services.transfer_create(payer=alice, payee_account=acc(bob), amount=D("100"), description="one")
    services.transfer_create(payer=bob, payee_account=acc(alice), amount=D("40"), description="two")
    services.transfer_create(payer=alice, payee_account=acc(bob), amount=D("2500"), description="three")
    services.transfer_create(payer=bob, payee_account=acc(carol), amount=D("7"), description="not alice's")
    return alice, bob, carol


def test_history_newest_first_from_callers_side(auth_client, trio):
    alice, _, _ = trio
    rows = auth_client(alice).get("/api/transactions/history").json()["results"]
    assert [r["description"] for r in rows] == ["three", "two", "one", "Opening balance"]
    three, two = rows[0], rows[1]
    assert three["direction"] == "out" and three["signed_amount"] == "-2500.00" and three["balance_after"] == "7440.00"
    assert two["direction"] == "in" and two["signed_amount"] == "40.00" and two["counterparty"]["name"] == "Bob Das"
    assert two["counterparty"]["vpa"] == "bob@securebank" and two["counterparty"]["account_number"].startswith("XXXX")


@pytest.mark.parametrize("query,expected", [
    ("direction=out", ["three", "one"]),
    ("direction=in", ["two", "Opening balance"]),
    ("kind=deposit", ["Opening balance"]),
    ("status=completed&min_amount=50&max_amount=3000", ["three", "one"]),
    ("max_amount=50", ["two"]),
])
def test_history_filters(auth_client, trio, query, expected):
    alice, _, _ = trio
    rows = auth_client(alice).get(f"/api/transactions/history?{query}").json()["results"]
    assert [r["description"] for r in rows] == expected


def test_history_date_range(auth_client, trio):
    alice, _, _ = trio
    Transaction.objects.filter(description="one").update(created_at=timezone.now() - timedelta(days=3))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    rows = auth_client(alice).get("/api/transactions/history", {"date_from": since}).json()["results"]
    assert "one" not in [r["description"] for r in rows] and "three" in [r["description"] for r in rows]


def test_history_cursor_pagination(auth_client, trio):
    alice, _, _ = trio
    client = auth_client(alice)
    page1 = client.get("/api/transactions/history?limit=3").json()
    assert len(page1["results"]) == 3 and page1["next"]
    page2 = client.get(page1["next"]).json()
    assert [r["description"] for r in page2["results"]] == ["Opening balance"] and page2["next"] is None


@pytest.mark.parametrize("query", ["limit=101", "limit=0", "direction=sideways", "status=lost", "min_amount=-1", "bogus=1"])
def test_history_bad_filters_400(auth_client, trio, query):
    alice, _, _ = trio
    r = auth_client(alice).get(f"/api/transactions/history?{query}")
    assert r.status_code == 400 and "error" in r.json()


def test_detail_only_for_payer_or_payee(auth_client, trio):
    alice, bob, carol = trio
    txn = Transaction.objects.get(description="one")
    assert auth_client(alice).get(f"/api/transactions/{txn.pk}").json()["direction"] == "out"
    assert auth_client(bob).get(f"/api/transactions/{txn.pk}").json()["direction"] == "in"
    r = auth_client(carol).get(f"/api/transactions/{txn.pk}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert auth_client(alice).get("/api/transactions/00000000-0000-0000-0000-000000000000").status_code == 404


def test_account_me_and_profile_show_balances(auth_client, trio, scripted_risk):
    alice, bob, _ = trio
    scripted_risk.decision = "hold"
    services.transfer_create(payer=alice, payee_account=acc(bob), amount=D("440"))
    me = auth_client(alice).get("/api/accounts/me").json()
    assert me == {"account_number": acc(alice).number, "currency": "INR", "balance": "7440.00",
                  "held": "440.00", "available": "7000.00", "status": "active"}
    assert auth_client(alice).get("/api/auth/profile").json()["account"] == me


def test_check_ledger_command_detects_tampering(trio, capsys):
    from django.core.management import call_command

    call_command("check_ledger")
    assert "ledger OK" in capsys.readouterr().out
    alice, _, _ = trio
    Account.objects.filter(pk=acc(alice).pk).update(balance=D("999999.00"))
    with pytest.raises(SystemExit) as exc:
        call_command("check_ledger")
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "balance_matches_entries" in err and "money_conserved" in err


def test_deposit_command(trio, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    alice, _, _ = trio
    call_command("deposit", "alice", "1234.56")
    assert acc(alice).balance == D("8674.56")
    for bad in ["0", "1.234", "-1", "1e3"]:
        with pytest.raises(CommandError):
            call_command("deposit", "alice", bad)
    with pytest.raises(CommandError):
        call_command("deposit", "nobody", "1")
