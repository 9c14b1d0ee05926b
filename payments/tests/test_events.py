"""Ledger facts -> notifications stored in the money's transaction, pushed after commit only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from ledger.models import Account
from ledger.services import deposit_create, hold_complete, hold_release, transfer_reverse
from notifications.models import Notification
from notifications.tests.layer import group_send_replaced, heard_in_group
from payments.services import payment_send
from payments.tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def pushed(monkeypatch):
    """Every push that reaches the channel layer: (group, event, data)."""
    sent: list[tuple[str, str, dict]] = []

    async def capture(group: str, message: dict) -> None:
        sent.append((group, message["event"], message["data"]))

    group_send_replaced(monkeypatch, capture)
    return sent


def events_for(pushed, user) -> list[str]:
    return [event for group, event, _ in pushed if group == f"user_{user.pk}"]


def test_completed_payment_pushes_and_stores(alice, bob, pushed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = payment_send(payer=alice, payee="bob", amount=Decimal("42.00"), note="books")
    assert events_for(pushed, alice) == ["payment_sent", "balance_update"]
    assert events_for(pushed, bob) == ["payment_received", "balance_update"]
    stored = {n.event: n for n in Notification.objects.filter(data__transaction_id=str(outcome.transaction.pk))}
    assert set(stored) == {"payment_sent", "payment_received"}  # balance_update is live only
    assert stored["payment_sent"].user == alice and stored["payment_received"].user == bob
    assert stored["payment_received"].title == "Money received"
    pushed_received = next(d for g, e, d in pushed if e == "payment_received")
    assert pushed_received["notification_id"] == stored["payment_received"].pk
    assert pushed_received["reference"] == outcome.transaction.reference


def test_stored_with_the_money_pushed_only_after_commit_and_nothing_after_rollback(
    alice, bob, pushed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        payment_send(payer=alice, payee="bob", amount=Decimal("1.00"))
    # the outbox rows are in the money's transaction; nothing has been pushed before the commit
    assert pushed == [] and Notification.objects.filter(data__kind="payment", pushed_at__isnull=True).count() == 2
    assert len(callbacks) >= 1
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            payment_send(payer=alice, payee="bob", amount=Decimal("1.00"))
            raise RuntimeError
    assert pushed == [] and Notification.objects.filter(data__kind="payment").count() == 2


def test_held_then_completed(alice, bob, pushed, scripted_risk, django_capture_on_commit_callbacks):
    scripted_risk.decision = "hold"
    with django_capture_on_commit_callbacks(execute=True):
        outcome = payment_send(payer=alice, payee="bob", amount=Decimal("900.00"))
    assert events_for(pushed, alice) == ["payment_sent"] and events_for(pushed, bob) == []
    held = pushed[0][2]
    assert held["status"] == "held" and held["title"] == "Payment under review"
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        hold_complete(transaction_id=outcome.transaction.pk)
    assert events_for(pushed, alice) == ["payment_sent", "balance_update"]
    assert events_for(pushed, bob) == ["payment_received", "balance_update"]
    assert all(d["status"] == "completed" for _, e, d in pushed if e.startswith("payment_"))


def test_declined_and_released_are_notifications_to_the_payer(alice, bob, pushed, scripted_risk,
                                                              django_capture_on_commit_callbacks):
    scripted_risk.decision = "decline"
    with django_capture_on_commit_callbacks(execute=True):
        payment_send(payer=alice, payee="bob", amount=Decimal("5.00"))
    scripted_risk.decision = "hold"
    with django_capture_on_commit_callbacks(execute=True):
        held = payment_send(payer=alice, payee="bob", amount=Decimal("6.00"))
    with django_capture_on_commit_callbacks(execute=True):
        hold_release(transaction_id=held.transaction.pk)
    notes = [d for g, e, d in pushed if e == "notification"]
    assert [d["kind"] for d in notes] == ["payment.declined", "payment.released"]
    assert [d["transaction"]["status"] for d in notes] == ["declined", "declined"]
    assert notes[1]["transaction"]["transaction_id"] == str(held.transaction.pk)
    assert events_for(pushed, bob) == []
    assert Account.objects.get(owner=alice).available == Decimal("10000.00")


def test_deposit_and_reversal(alice, bob, pushed, django_capture_on_commit_callbacks):
    account = Account.objects.get(owner=alice)
    with django_capture_on_commit_callbacks(execute=True):
        deposit_create(account=account, amount=Decimal("100.00"))
    assert events_for(pushed, alice) == ["payment_received", "balance_update"]
    assert pushed[0][2]["counterparty"] == {"name": "SecureBank", "vpa": None} and pushed[0][2]["kind"] == "deposit"
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        paid = payment_send(payer=alice, payee="bob", amount=Decimal("10.00"))
    pushed.clear()
    staff = make_user("operator", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        transfer_reverse(transaction_id=paid.transaction.pk, actor=staff, reason="duplicate")
    # the reversal is a completed transaction from Bob back to Alice
    assert events_for(pushed, bob) == ["payment_sent", "balance_update"]
    assert events_for(pushed, alice) == ["payment_received", "balance_update"]
    assert {d["kind"] for _, e, d in pushed if e.startswith("payment_")} == {"reversal"}


@pytest.mark.django_db(transaction=True)  # the payment's own transaction, not the test's, must roll back
def test_notifications_that_cannot_be_stored_stop_the_payment(alice, bob, monkeypatch, pushed,
                                                              django_capture_on_commit_callbacks):
    """The outbox is part of the money's transaction: no payment whose notifications are lost."""
    def boom(**kwargs):
        raise RuntimeError("publisher down")

    monkeypatch.setattr("payments.services.events.transaction_events_publish", boom)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError, match="publisher down"):
        payment_send(payer=alice, payee="bob", amount=Decimal("3.00"))
    assert Account.objects.get(owner=alice).balance == Decimal("10000.00") == Account.objects.get(owner=bob).balance
    assert pushed == [] and not Notification.objects.exists()


def test_a_channel_layer_outage_keeps_the_stored_copy(alice, bob, monkeypatch, django_capture_on_commit_callbacks):
    async def down(group: str, message: dict) -> None:
        raise ConnectionError("redis down")

    group_send_replaced(monkeypatch, down)
    with django_capture_on_commit_callbacks(execute=True):
        payment_send(payer=alice, payee="bob", amount=Decimal("3.00"))
    assert Notification.objects.filter(user=bob, event="payment_received", data__kind="payment").count() == 1
    assert not Notification.objects.filter(pushed_at__isnull=False).exists()  # left for the sweeper


def test_real_layer_round_trip(alice, bob, django_capture_on_commit_callbacks):
    def pay() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            payment_send(payer=alice, payee="bob", amount=Decimal("2.00"))

    _, first = heard_in_group(f"user_{bob.pk}", pay)
    assert first["type"] == "user.event" and first["event"] == "payment_received"
    assert first["sent_at"] >= first["timestamp"]
