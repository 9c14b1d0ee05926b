"""GET /api/transactions/summary: exact totals of completed transactions, by kind, by local day
and by counterparty, for the caller only, over week / month / year."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.tests.factories import make_user
from ledger import services
from ledger.models import Account, Transaction
from ledger.summary import summary_window, transaction_summary

pytestmark = pytest.mark.django_db
D = Decimal
SUMMARY = "/api/transactions/summary"
IST = ZoneInfo("Asia/Kolkata")


@pytest.fixture(autouse=True)
def _risk(scripted_risk):
    return scripted_risk


def acc(user) -> Account:
    return Account.objects.get(owner=user, is_primary=True)


def pay(payer, payee, amount: str, *, days_ago: float = 0, kind: str | None = None) -> Transaction:
    outcome = services.transfer_create(payer=payer, payee_account=acc(payee), amount=D(amount), description="t")
    txn = outcome.transaction
    changes = {}
    if days_ago:
        changes["created_at"] = timezone.now() - timedelta(days=days_ago)
    if kind:
        changes["kind"] = kind
    if changes:
        Transaction.objects.filter(pk=txn.pk).update(**changes)
    return txn


@pytest.fixture
def world():
    alice = make_user("alice", full_name="Alice Rao", balance="5000.00")
    bob = make_user("bob", full_name="Bob Das", balance="5000.00")
    carol = make_user("carol", full_name="Carol Dsouza", balance="5000.00")
    Transaction.objects.update(created_at=timezone.now() - timedelta(days=400))  # opening deposits: long ago
    pay(alice, bob, "100.10")
    pay(alice, bob, "0.20", kind="payment")
    pay(bob, alice, "30.05", days_ago=3)
    pay(carol, alice, "10.00", days_ago=20)  # in the month, not the week
    pay(alice, carol, "999.99", days_ago=200)  # in the year only
    pay(bob, carol, "7.00")  # not alice's
    return alice, bob, carol


def test_week_totals_kinds_days_and_counterparties(auth_client, world):
    alice, bob, _ = world
    resp = auth_client(alice).get(SUMMARY, {"period": "week"})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    today = timezone.localtime(timezone.now(), IST).date()
    assert body["period"] == "week" and body["timezone"] == "Asia/Kolkata"
    assert body["date_to"] == today.isoformat() and body["date_from"] == (today - timedelta(days=6)).isoformat()
    assert body["totals"] == {"money_in": "30.05", "money_out": "100.30", "net": "-70.25",
                              "count": 3, "count_in": 1, "count_out": 2}
    kinds = {k["kind"]: k for k in body["by_kind"]}
    assert set(kinds) == {"transfer", "payment"}
    assert kinds["payment"]["money_out"] == "0.20" and kinds["transfer"]["money_out"] == "100.10"
    assert kinds["transfer"]["money_in"] == "30.05"
    assert len(body["daily"]) == 7 and [d["date"] for d in body["daily"]] == sorted(d["date"] for d in body["daily"])
    assert body["daily"][-1]["money_out"] == "100.30" and body["daily"][-1]["count"] == 2
    assert sum(d["count"] for d in body["daily"]) == 3
    assert [p["username"] for p in body["top_counterparties"]] == ["bob"]
    bob_row = body["top_counterparties"][0]
    assert bob_row["money_out"] == "100.30" and bob_row["money_in"] == "30.05" and bob_row["count"] == 3
    assert bob_row["vpa"] == "bob@securebank" and bob_row["account_number"].startswith("XXXX")


def test_month_and_year_widen_the_window(auth_client, world):
    alice, _, _ = world
    month = auth_client(alice).get(SUMMARY, {"period": "month"}).json()
    assert month["totals"]["money_in"] == "40.05" and len(month["daily"]) == 30
    year = auth_client(alice).get(SUMMARY, {"period": "year"}).json()
    assert year["totals"]["money_out"] == "1100.29" and year["totals"]["count"] == 5 and len(year["daily"]) == 365
    assert [p["username"] for p in year["top_counterparties"]] == ["carol", "bob"]
    assert auth_client(alice).get(SUMMARY).json()["period"] == "month"  # the default


def test_only_completed_transactions(auth_client, world, scripted_risk):
    alice, bob, _ = world
    scripted_risk.decision = "hold"
    pay(alice, bob, "500.00")  # held: reserved, not moved
    scripted_risk.decision = "decline"
    assert pay(alice, bob, "600.00").status == Transaction.Status.DECLINED  # recorded, nothing moved
    assert auth_client(alice).get(SUMMARY, {"period": "week"}).json()["totals"]["money_out"] == "100.30"


def test_the_caller_only(auth_client, world):
    _, bob, carol = world
    body = auth_client(carol).get(SUMMARY, {"period": "week"}).json()
    assert body["totals"] == {"money_in": "7.00", "money_out": "0.00", "net": "7.00", "count": 1, "count_in": 1, "count_out": 0}
    assert [p["username"] for p in body["top_counterparties"]] == ["bob"]


def test_days_are_local_dates(world):
    alice, bob, _ = world
    now = datetime(2026, 12, 4, 12, 0, tzinfo=IST)
    txn = pay(alice, bob, "1.00")
    # 00:30 IST on 3 December is still 2 December in UTC: it belongs to the 3rd here.
    Transaction.objects.filter(pk=txn.pk).update(created_at=datetime(2026, 12, 3, 0, 30, tzinfo=IST))
    summary = transaction_summary(user=alice, period="week", now=now)
    day = next(d for d, f in summary.daily.items() if f.count_out)
    assert day.isoformat() == "2026-12-03"
    start, end, since = summary_window(period="week", now=now)
    assert (start.isoformat(), end.isoformat()) == ("2026-11-28", "2026-12-04")
    assert since == datetime(2026, 11, 28, 0, 0, tzinfo=IST)


def test_a_customer_with_nothing(auth_client, user_factory):
    body = auth_client(user_factory(balance="0.00")).get(SUMMARY, {"period": "week"}).json()
    assert body["totals"]["count"] == 0 and body["totals"]["money_in"] == "0.00"
    assert body["top_counterparties"] == [] and body["by_kind"] == [] and len(body["daily"]) == 7


def test_top_counterparties_at_most_five_by_amount(auth_client, user_factory):
    alice = user_factory("alice", balance="10000.00")
    Transaction.objects.update(created_at=timezone.now() - timedelta(days=400))
    friends = [user_factory(f"friend{i}") for i in range(7)]
    for i, friend in enumerate(friends):
        pay(alice, friend, f"{i + 1}.00")
    top = auth_client(alice).get(SUMMARY, {"period": "week"}).json()["top_counterparties"]
    assert [p["username"] for p in top] == ["friend6", "friend5", "friend4", "friend3", "friend2"]


@pytest.mark.parametrize("params", [{"period": "day"}, {"period": "weekly"}, {"period": "WEEK"}, {"period": "week", "x": "1"},
                                    {"period": "\x00"}, {"period": "week" * 1000}])
def test_bad_input(authed_client, params):
    resp = authed_client.get(SUMMARY, params)
    assert resp.status_code == 400, resp.content
    assert resp.json()["error"]["code"] == "validation_error" and resp.json()["error"]["fields"]


def test_needs_authentication(api_client):
    resp = api_client.get(SUMMARY)
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "not_authenticated"


@pytest.mark.postgres
def test_grouping_sets_and_portable_paths_agree(world):
    alice, _, _ = world
    for period in ("week", "month", "year"):
        fast = transaction_summary(user=alice, period=period)
        portable = transaction_summary(user=alice, period=period, portable=True)
        assert fast == portable
