"""One rule of which transactions are a customer's payments (ledger.selectors), read alike by
the daily limit, the fraud features and the recent payees."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import make_user
from ledger import selectors, services
from ledger.models import Account, Transaction

pytestmark = pytest.mark.django_db
D = Decimal


def account(user) -> Account:
    return Account.objects.get(owner=user, is_primary=True)


def test_the_kinds_rule_splits_every_kind():
    customer = set(selectors.CUSTOMER_PAYMENT_KINDS)
    others = set(selectors._NOT_CUSTOMER_PAYMENT_KINDS)
    assert customer.isdisjoint(others) and customer | others == set(Transaction.Kind)
    assert others == {Transaction.Kind.DEPOSIT, Transaction.Kind.REVERSAL}


def test_limit_fraud_and_payees_count_the_same_payments(scripted_risk):
    alice, bob, carol, ops = make_user("alice"), make_user("bob"), make_user("carol"), make_user("ops", is_staff=True)
    mine = account(alice)
    paid = services.transfer_create(payer=alice, payee_account=account(bob), amount=D("100.00")).transaction
    scripted_risk.decision = "hold"
    held = services.transfer_create(payer=alice, payee_account=account(carol), amount=D("200.00"),
                                     kind=Transaction.Kind.PAYMENT).transaction
    scripted_risk.decision = "decline"
    services.transfer_create(payer=alice, payee_account=account(bob), amount=D("300.00"))
    scripted_risk.decision = "allow"
    services.deposit_create(account=mine, amount=D("50.00"), actor=ops)
    from_bob = services.transfer_create(payer=bob, payee_account=mine, amount=D("400.00")).transaction
    reversal = services.transfer_reverse(transaction_id=from_bob.pk, actor=ops, reason="duplicate")
    assert reversal.payer_account_id == mine.pk  # alice pays the reversal: not a customer payment

    outgoing = selectors.customer_outgoing_payments(account_id=mine.pk)
    assert {t.pk for t in outgoing} == {paid.pk, held.pk}
    since = timezone.now() - timedelta(days=1)
    assert selectors.daily_outgoing_total(account_id=mine.pk, since=since) == D("300.00")
    reads = selectors.customer_decision_reads(account_id=mine.pk, payee_account_id=account(bob).pk, limit=10,
                                              incoming_since=since)
    assert sorted(amount for amount, _payee, _at in reads.recent_outgoing) == [D("100.00"), D("200.00")]
    payees = selectors.customer_payees_recent(user=alice, limit=10)
    assert {(p.user_id, p.count) for p in payees} == {(bob.pk, 1), (carol.pk, 1)}


def test_payers_are_the_customers_whose_completed_payments_came_in(scripted_risk):
    alice, bob, carol, dan = make_user("alice"), make_user("bob"), make_user("carol"), make_user("dan")
    ops = make_user("ops", is_staff=True)
    mine = account(alice)
    services.transfer_create(payer=bob, payee_account=mine, amount=D("10.00"))
    services.transfer_create(payer=bob, payee_account=mine, amount=D("20.00"))
    scripted_risk.decision = "hold"
    services.transfer_create(payer=carol, payee_account=mine, amount=D("30.00"))  # held: not paid yet
    scripted_risk.decision = "allow"
    services.deposit_create(account=mine, amount=D("50.00"), actor=ops)  # the bank's posting
    to_dan = services.transfer_create(payer=alice, payee_account=account(dan), amount=D("40.00")).transaction
    services.transfer_reverse(transaction_id=to_dan.pk, actor=ops, reason="duplicate")  # dan's account pays it back

    payers = selectors.customer_payers_recent(user=alice, limit=10)
    assert [(p.user_id, p.count) for p in payers] == [(bob.pk, 2)]
    assert selectors.customer_payers_recent(user=alice, limit=0) == []
