"""Velocity and first-payment-to-this-payee rules: each raises the risk and adds a reason."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fraud.rules import RuleHit, combine, first_payee_check, velocity_check
from fraud.scoring import transaction_score
from fraud.tests.factories import make_user, primary_account
from ledger.models import Transaction
from ledger.risk import TransferContext
from ledger.services import transfer_create


@pytest.fixture
def people(db):  # noqa: ANN001
    return make_user("alice", balance="100000.00"), make_user("bob"), make_user("carol")


def ctx(payer, payee, amount: str) -> TransferContext:  # noqa: ANN001
    a, b = primary_account(payer), primary_account(payee)
    return TransferContext(
        payer_user_id=payer.pk, payee_user_id=payee.pk, payer_account_id=a.pk, payee_account_id=b.pk,
        amount=Decimal(amount), kind="transfer", channel="api", payer_balance=a.balance,
        payer_available=a.available, payee_balance=b.balance, at=timezone.now(),
    )


def pay(payer, payee, amount: str) -> Transaction:  # noqa: ANN001
    return transfer_create(payer=payer, payee_account=primary_account(payee), amount=Decimal(amount)).transaction


def test_noisy_or_only_raises():
    assert combine(0.2, []) == pytest.approx(0.2)
    assert combine(0.2, [RuleHit("a", 0.5, "x")]) == pytest.approx(0.6)
    assert combine(0.0, [RuleHit("a", 0.7, "x"), RuleHit("b", 0.3, "y")]) == pytest.approx(0.79)
    assert combine(0.9, [RuleHit("a", 0.0, "x")]) == pytest.approx(0.9)


def test_velocity_fires_on_the_n_plus_first_payment_in_an_hour(active_fraud_model, people, settings):  # noqa: ANN001
    alice, bob, _ = people
    settings.FRAUD_VELOCITY_HOUR_COUNT = 3
    for _ in range(3):
        assert velocity_check(ctx(alice, bob, "100.00")) is None
        assert pay(alice, bob, "100.00").status == Transaction.Status.COMPLETED
    hit = velocity_check(ctx(alice, bob, "100.00"))
    assert hit is not None and hit.code == "velocity" and "4 payments in the last hour" in hit.reason
    score = transaction_score(context=ctx(alice, bob, "100.00"))
    assert "velocity" in score.rules and hit.reason in score.reasons
    assert score.probability == pytest.approx(combine(score.model_probability, [hit]))
    assert score.decision == "hold"  # the rule alone (risk 0.7) is enough to hold


def test_velocity_counts_the_day_and_ignores_older_or_declined(active_fraud_model, people, settings):  # noqa: ANN001
    alice, bob, _ = people
    settings.FRAUD_VELOCITY_DAY_COUNT = 2
    first, second = pay(alice, bob, "50.00"), pay(alice, bob, "50.00")
    Transaction.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=5))
    Transaction.objects.filter(pk=second.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert velocity_check(ctx(alice, bob, "50.00")) is None  # one in the day, this is the second
    Transaction.objects.filter(pk=second.pk).update(created_at=timezone.now() - timedelta(hours=3))
    hit = velocity_check(ctx(alice, bob, "50.00"))
    assert hit is not None and "3 payments in the last 24 hours" in hit.reason
    Transaction.objects.filter(pk=second.pk).update(status=Transaction.Status.DECLINED)
    assert velocity_check(ctx(alice, bob, "50.00")) is None


def test_velocity_fires_on_amounts(active_fraud_model, people, settings):  # noqa: ANN001
    alice, bob, _ = people
    settings.FRAUD_VELOCITY_HOUR_AMOUNT = Decimal("1000.00")
    settings.FRAUD_VELOCITY_DAY_AMOUNT = Decimal("5000.00")
    pay(alice, bob, "900.00")
    assert velocity_check(ctx(alice, bob, "100.00")) is None  # exactly the limit
    hit = velocity_check(ctx(alice, bob, "100.01"))
    assert hit is not None and "in the last hour" in hit.reason
    Transaction.objects.filter(payer_account=primary_account(alice)).update(created_at=timezone.now() - timedelta(hours=2))
    settings.FRAUD_VELOCITY_HOUR_AMOUNT = Decimal("10000.00")
    assert velocity_check(ctx(alice, bob, "4100.00")) is None
    hit = velocity_check(ctx(alice, bob, "4100.01"))
    assert hit is not None and "in the last 24 hours" in hit.reason


def test_first_payment_to_a_payee_above_the_minimum(active_fraud_model, people, settings):  # noqa: ANN001
    alice, bob, carol = people
    settings.FRAUD_FIRST_PAYEE_MIN_AMOUNT = Decimal("2000.00")
    assert first_payee_check(ctx(alice, bob, "1999.99")) is None
    hit = first_payee_check(ctx(alice, bob, "2000.00"))
    assert hit == RuleHit("first_payee", settings.FRAUD_FIRST_PAYEE_RISK, "first payment to this payee")
    score = transaction_score(context=ctx(alice, bob, "2000.00"))
    assert "first payment to this payee" in score.reasons and score.rules == ["first_payee"]
    assert score.probability == pytest.approx(combine(score.model_probability, [hit]))
    assert score.decision == "allow"  # alone it only raises the risk
    pay(alice, bob, "10.00")
    assert first_payee_check(ctx(alice, bob, "2000.00")) is None  # bob is a known payee now
    assert first_payee_check(ctx(alice, carol, "2000.00")) is not None
    pay(carol, alice, "10.00")  # being paid by carol does not make carol a known payee
    assert first_payee_check(ctx(alice, carol, "2000.00")) is not None


def test_rules_do_not_apply_without_a_model(db, people, settings):  # noqa: ANN001
    """Fail-closed is a plain amount rule, predictable for every caller."""
    alice, bob, _ = people
    settings.FRAUD_VELOCITY_HOUR_COUNT = 1
    pay(alice, bob, "10.00")
    score = transaction_score(context=ctx(alice, bob, "10.00"))
    assert score.decision == "allow" and score.rules == [] and score.degraded
