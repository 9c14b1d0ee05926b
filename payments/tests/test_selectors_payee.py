"""Payee resolution: VPA, mobile number or username, exact matches only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ledger.exceptions import PayeeNotFound
from ledger.models import Transaction
from payments.selectors import payee_resolve, recent_payees
from payments.services import payment_send
from payments.tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    [
        "bob@securebank", "BOB@SecureBank", "  bob@securebank  ",
        "9123456780", "+91 91234 56780", "+91-91234-56780", "091234 56780", "0091 9123456780", "919123456780",
        "bob", "BOB", " Bob ",
    ],
)
def test_each_format_resolves_exactly(bob, query):
    assert payee_resolve(query=query).pk == bob.pk


@pytest.mark.parametrize(
    "query",
    [
        "", "   ", "bo", "bobb", "%bob%", "bob%", "b_b", "bob@", "@securebank", "bob@secure bank", "bob@@securebank",
        "bob@other", "b@securebank", "912345678", "91234567801", "5123456780", "+1 9123456780",
        "x" * 300,
    ],
)
def test_anything_but_an_exact_match_is_payee_not_found(bob, query):
    with pytest.raises(PayeeNotFound) as caught:
        payee_resolve(query=query)
    assert caught.value.code == "payee_not_found" and caught.value.status_code == 404


def test_no_substring_match_even_when_only_one_user_contains_it(bob):
    make_user("rahulsharma", full_name="Rahul Sharma")
    for partial in ("rahul", "sharma", "rahul@securebank", "Rahul Sharma"):
        with pytest.raises(PayeeNotFound):
            payee_resolve(query=partial)


def test_malformed_vpa_says_so():
    with pytest.raises(PayeeNotFound, match="not a valid UPI ID"):
        payee_resolve(query="bad vpa@x")


def test_inactive_users_and_users_without_an_account_are_not_payees(db):
    make_user("ghost", is_active=False)
    with pytest.raises(PayeeNotFound):
        payee_resolve(query="ghost@securebank")
    from accounts.models import User

    User.objects.create_superuser("operator", "op@example.in", "S3cure-pass-99")  # staff: no account
    with pytest.raises(PayeeNotFound):
        payee_resolve(query="operator@staff")
    with pytest.raises(PayeeNotFound):
        payee_resolve(query="operator")


def test_phone_shaped_username_resolves_when_no_phone_matches(db):
    numeric = make_user("9988776655")
    assert payee_resolve(query="9988776655").pk == numeric.pk
    owner = make_user("carol", phone="9000000001")
    assert payee_resolve(query="+91 90000 00001").pk == owner.pk


def test_phone_beats_a_username_spelled_the_same(db):
    by_name = make_user("9000000002")
    by_phone = make_user("dave", phone="9000000002")
    assert payee_resolve(query="9000000002").pk == by_phone.pk != by_name.pk


def test_recent_payees_distinct_newest_first_with_counts(alice, bob):
    carol = make_user("carol", full_name="Carol D")
    payment_send(payer=alice, payee="bob", amount=Decimal("10.00"))
    payment_send(payer=alice, payee="carol", amount=Decimal("10.00"))
    payment_send(payer=alice, payee="bob", amount=Decimal("10.00"))
    # make the order independent of clock resolution
    Transaction.objects.filter(payee_account__owner=carol).update(created_at=timezone.now() - timedelta(hours=1))
    rows = recent_payees(user=alice)
    assert [r["username"] for r in rows] == ["bob", "carol"]
    assert rows[0]["count"] == 2 and rows[1]["count"] == 1
    assert rows[0] == rows[0] | {"user_id": bob.pk, "display_name": "Bob Iyer", "full_name": "Bob Iyer", "vpa": "bob@securebank"}
    assert rows[0]["last_paid_at"] > rows[1]["last_paid_at"]
    assert [r["username"] for r in recent_payees(user=alice, limit=1)] == ["bob"]
    assert recent_payees(user=bob) == []  # receiving is not paying


def test_recent_payees_skip_declined_payments(alice, bob, scripted_risk):
    scripted_risk.decision = "decline"
    outcome = payment_send(payer=alice, payee="bob", amount=Decimal("10.00"))
    assert outcome.transaction.status == "declined"
    assert recent_payees(user=alice) == []
    scripted_risk.decision = "hold"
    payment_send(payer=alice, payee="bob", amount=Decimal("10.00"))
    assert [r["username"] for r in recent_payees(user=alice)] == ["bob"]
