"""Holds raise alerts and tell the payer; operators approve or reject (audited); unreviewed holds
expire. Every path goes through the real assessor and the real ledger."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from fraud.exceptions import AlertAlreadyReviewed, AlertNotFound, ReviewNotAllowed
from fraud.models import FraudAlert
from fraud.scoring import MODEL_UNAVAILABLE_REASON
from fraud.services import alert_review, expired_holds_release, risk_assessor
from fraud.tests.factories import held_transfer, make_user, primary_account
from ledger.exceptions import AccountFrozen
from ledger.models import Account, Transaction
from ledger.services import account_status_set, transfer_create
from notifications.models import Notification
from notifications.tests.layer import heard_in_group
from securebank.audit import AuditEvent


@pytest.fixture
def alice(db):
    return make_user("alice", full_name="Alice Rao")


@pytest.fixture
def bob(db):
    return make_user("bob", full_name="Bob Iyer")


@pytest.fixture
def operator(db):
    return make_user("opsy", is_staff=True)


def balances(*users) -> list[tuple[Decimal, Decimal]]:
    return [(a.balance, a.held) for a in (primary_account(u) for u in users)]


def test_the_ledger_uses_this_assessor():
    from ledger.risk import get_risk_assessor

    assert get_risk_assessor() is risk_assessor


def test_fail_closed_hold_raises_an_alert_and_notifies_the_payer(alice, bob, django_capture_on_commit_callbacks):
    def hold() -> tuple:
        with django_capture_on_commit_callbacks(execute=True):
            return held_transfer(payer=alice, payee=bob, amount="6000.00")

    (txn, alert), pushed = heard_in_group(f"user_{alice.pk}", hold)
    assert alert.status == FraudAlert.Status.OPEN and alert.user == alice
    assert alert.score is None and alert.risk_level == "unknown" and alert.reasons == [MODEL_UNAVAILABLE_REASON]
    assert txn.fraud_decision == "hold" and txn.fraud_score is None and txn.fraud_model_version is None
    assert balances(alice, bob) == [(Decimal("10000.00"), Decimal("6000.00")), (Decimal("10000.00"), Decimal("0.00"))]
    note = Notification.objects.get(user=alice, event="fraud_alert")
    assert note.title == "Payment held for review" and "₹6,000.00" in note.message and "Bob Iyer" in note.message
    assert note.data["alert_id"] == alert.pk and note.data["transaction_id"] == str(txn.pk)
    assert note.data["status"] == "open" and note.data["hold_expires_at"]
    assert pushed["event"] == "fraud_alert" and pushed["data"]["alert_id"] == alert.pk
    assert not Notification.objects.filter(user=bob).exists()


def test_model_hold_stores_score_decision_version_and_reasons(active_fraud_model, alice, bob, settings):
    settings.FRAUD_BLOCK_THRESHOLD = 1.01  # hold instead of declining
    outcome = transfer_create(payer=alice, payee_account=primary_account(bob), amount=Decimal("10000.00"))
    txn = outcome.transaction
    assert txn.status == Transaction.Status.HELD
    alert = FraudAlert.objects.get(transaction=txn)
    assert txn.fraud_decision == "hold" and txn.fraud_model_version == active_fraud_model.version
    assert txn.fraud_score >= Decimal("0.7") and alert.score == txn.fraud_score
    assert "moves the entire balance" in txn.fraud_reasons and alert.reasons == txn.fraud_reasons
    assert alert.risk_level == "high" and alert.model_version == active_fraud_model.version


def test_decline_records_the_transaction_moves_nothing_and_raises_no_alert(active_fraud_model, alice, bob):
    before = balances(alice, bob)
    txn = transfer_create(payer=alice, payee_account=primary_account(bob), amount=Decimal("10000.00")).transaction
    assert txn.status == Transaction.Status.DECLINED and txn.fraud_decision == "decline"
    assert txn.fraud_score >= Decimal("0.95") and txn.fraud_reasons
    assert balances(alice, bob) == before
    assert not FraudAlert.objects.exists() and not txn.entries.exists()


def test_allowed_transfer_stores_its_score(active_fraud_model, alice, bob):
    txn = transfer_create(payer=alice, payee_account=primary_account(bob), amount=Decimal("120.00")).transaction
    assert txn.status == Transaction.Status.COMPLETED and txn.fraud_decision == "allow"
    assert txn.fraud_score is not None and txn.fraud_score < Decimal("0.3")
    assert txn.fraud_model_version == active_fraud_model.version


def test_approve_completes_the_hold(alice, bob, operator, django_capture_on_commit_callbacks):
    txn, alert = held_transfer(payer=alice, payee=bob)
    with django_capture_on_commit_callbacks(execute=True):
        reviewed = alert_review(alert_id=alert.pk, actor=operator, action="approve", note="customer confirmed by phone")
    assert reviewed.status == FraudAlert.Status.APPROVED and reviewed.reviewed_by == operator
    assert reviewed.reviewed_at is not None and reviewed.review_note == "customer confirmed by phone"
    txn.refresh_from_db()
    assert txn.status == Transaction.Status.COMPLETED
    assert balances(alice, bob) == [(Decimal("4000.00"), Decimal("0.00")), (Decimal("16000.00"), Decimal("0.00"))]
    audit = AuditEvent.objects.get(action="fraud.alert.approve")
    assert audit.actor == operator and audit.object_id == str(alert.pk)
    assert audit.before["status"] == "open" and audit.after == {"status": "approved", "transaction_status": "completed",
                                                                 "transaction": str(txn.pk)}
    assert audit.note == "customer confirmed by phone"
    outcome = Notification.objects.filter(user=alice, event="fraud_alert").order_by("-id").first()
    assert outcome.title == "Held payment approved" and outcome.data["status"] == "approved"


def test_reject_releases_the_hold(alice, bob, operator):
    txn, alert = held_transfer(payer=alice, payee=bob)
    alert_review(alert_id=alert.pk, actor=operator, action="reject")
    txn.refresh_from_db()
    assert txn.status == Transaction.Status.DECLINED and not txn.entries.exists()
    assert balances(alice, bob) == [(Decimal("10000.00"), Decimal("0.00")), (Decimal("10000.00"), Decimal("0.00"))]
    alert.refresh_from_db()
    assert alert.status == FraudAlert.Status.REJECTED
    assert AuditEvent.objects.get(action="fraud.alert.reject").after["transaction_status"] == "declined"
    assert Notification.objects.filter(user=alice, title="Held payment stopped").exists()


def test_review_errors(alice, bob, operator):
    _, alert = held_transfer(payer=alice, payee=bob)
    with pytest.raises(ReviewNotAllowed):
        alert_review(alert_id=alert.pk, actor=alice, action="approve")
    with pytest.raises(AlertNotFound):
        alert_review(alert_id=999_999, actor=operator, action="approve")
    alert_review(alert_id=alert.pk, actor=operator, action="reject")
    with pytest.raises(AlertAlreadyReviewed):
        alert_review(alert_id=alert.pk, actor=operator, action="approve")
    assert AuditEvent.objects.filter(action__startswith="fraud.alert").count() == 1


def test_approve_fails_whole_when_the_payee_is_frozen(alice, bob, operator):
    txn, alert = held_transfer(payer=alice, payee=bob)
    account_status_set(account=primary_account(bob), status=Account.Status.FROZEN, actor=operator)
    with pytest.raises(AccountFrozen):
        alert_review(alert_id=alert.pk, actor=operator, action="approve")
    alert.refresh_from_db()
    txn.refresh_from_db()
    assert alert.status == FraudAlert.Status.OPEN and txn.status == Transaction.Status.HELD
    assert not AuditEvent.objects.filter(action__startswith="fraud.alert").exists()


def test_expired_holds_are_released_once(alice, bob, operator):
    txn, alert = held_transfer(payer=alice, payee=bob)
    _, reviewed = held_transfer(payer=bob, payee=alice, amount="5500.00")
    assert expired_holds_release(now=txn.hold_expires_at - timedelta(seconds=1)) == 0
    alert_review(alert_id=reviewed.pk, actor=operator, action="approve")
    later = txn.hold_expires_at + timedelta(seconds=1)
    assert expired_holds_release(now=later) == 1
    txn.refresh_from_db()
    alert.refresh_from_db()
    assert txn.status == Transaction.Status.DECLINED and alert.status == FraudAlert.Status.EXPIRED
    assert primary_account(alice).held == Decimal("0.00")
    assert AuditEvent.objects.get(action="fraud.alert.expire").actor is None
    assert Notification.objects.filter(user=alice, title="Held payment released").count() == 1
    assert expired_holds_release(now=later) == 0


def test_release_expired_holds_command(alice, bob, settings):
    settings.FRAUD_HOLD_TTL_HOURS = 0  # due at once
    held_transfer(payer=alice, payee=bob)
    out = io.StringIO()
    call_command("release_expired_holds", stdout=out)
    assert "released 1 hold(s)" in out.getvalue()
    assert FraudAlert.objects.get().status == FraudAlert.Status.EXPIRED
