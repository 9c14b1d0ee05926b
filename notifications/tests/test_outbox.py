"""The notification outbox: rows commit with the money, the push sends only what is stored,
and the sweeper delivers what a crash between the commit and the push left unsent."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from ledger.models import Transaction
from notifications import outbox
from notifications.models import Notification
from notifications.outbox import outbox_sweep
from notifications.tests.layer import group_send_replaced
from payments.services import payment_send

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scripted_risk")]  # risk outcomes chosen here

NOW = timedelta(0)


class SharedLayer(InMemoryChannelLayer):
    """Stands for a shared (Redis) layer: `push_outbox` refuses the in-memory one by name."""


@pytest.fixture(autouse=True)
def _in_memory_layer(settings):
    """The in-memory layer whichever REDIS_URL the suite runs with: these tests read its queues."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def listening():
    """`listening(user)` -> a function returning the events that reached the user's group since
    it was last called."""
    def listen(user):
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(f"user_{user.pk}", channel)

        def drain() -> list[dict]:
            queue = layer.channels.get(channel)  # the in-memory layer's (expiry, message) queue
            got = []
            while queue is not None and not queue.empty():
                got.append(queue.get_nowait()[1])
            return got

        return drain

    return listen


def test_a_crash_between_commit_and_push_loses_nothing(alice, bob, listening, django_capture_on_commit_callbacks):
    bobs = listening(bob)
    with django_capture_on_commit_callbacks(execute=False):  # the process dies at the commit
        outcome = payment_send(payer=alice, payee="bob", amount=Decimal("25.00"))
    assert bobs() == []
    rows = list(Notification.objects.filter(data__transaction_id=str(outcome.transaction.pk)).order_by("id"))
    assert [(r.user_id, r.event, r.pushed_at) for r in rows] == [(alice.pk, "payment_sent", None), (bob.pk, "payment_received", None)]

    assert outbox_sweep() == 0  # younger than OUTBOX_SWEEP_AFTER_SECONDS: the pusher may still be at work
    assert outbox_sweep(older_than=NOW) == 2
    delivered = bobs()
    assert [(m["event"], m["data"]["notification_id"], m["data"]["amount"]) for m in delivered] == [
        ("payment_received", rows[1].pk, "25.00")
    ]
    assert Notification.objects.filter(pk__in=[r.pk for r in rows], pushed_at__isnull=True).count() == 0
    assert outbox_sweep(older_than=NOW) == 0 and bobs() == []  # swept once
    assert Notification.objects.count() == 2  # re-sending stores nothing new


def test_a_failed_push_is_redelivered_with_the_same_notification_id(alice, bob, listening, monkeypatch,
                                                                    django_capture_on_commit_callbacks):
    bobs = listening(bob)

    async def down(group: str, message: dict) -> None:
        raise ConnectionError("layer down")

    with monkeypatch.context() as patched:
        group_send_replaced(patched, down)
        with django_capture_on_commit_callbacks(execute=True):
            payment_send(payer=alice, payee="bob", amount=Decimal("7.00"))
        row = Notification.objects.get(user=bob)
        assert row.pushed_at is None
        assert outbox_sweep(older_than=NOW) == 0  # still down: the rows wait
    assert outbox_sweep(older_than=NOW) == 2
    [message] = bobs()
    assert message["event"] == "payment_received" and message["data"]["notification_id"] == row.pk


def test_a_pushed_row_is_acknowledged_and_never_swept(alice, bob, listening, django_capture_on_commit_callbacks):
    bobs = listening(bob)
    with django_capture_on_commit_callbacks(execute=True):
        payment_send(payer=alice, payee="bob", amount=Decimal("4.00"))
    live = [m for m in bobs() if m["event"] == "payment_received"]
    row = Notification.objects.get(user=bob)
    assert [m["data"]["notification_id"] for m in live] == [row.pk] and row.pushed_at is not None
    assert outbox_sweep(older_than=NOW) == 0 and bobs() == []


def test_events_only_after_commit_and_a_rollback_sends_nothing(alice, bob, listening, django_capture_on_commit_callbacks):
    bobs = listening(bob)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            payment_send(payer=alice, payee="bob", amount=Decimal("9.00"))
            assert bobs() == []  # written, not yet committed: nothing sent
            raise RuntimeError
    assert bobs() == [] and not Notification.objects.exists() and not Transaction.objects.filter(amount=9).exists()
    assert outbox_sweep(older_than=NOW) == 0 and bobs() == []


def test_every_stored_event_carries_its_notification_id(alice, bob, listening, django_capture_on_commit_callbacks):
    alices = listening(alice)
    with django_capture_on_commit_callbacks(execute=True):
        payment_send(payer=alice, payee="bob", amount=Decimal("2.00"))
    sent, balance = alices()
    assert sent["event"] == "payment_sent" and sent["data"]["notification_id"] == Notification.objects.get(user=alice).pk
    # balance_update is live only (not stored, never re-sent): its key is the transaction
    assert balance["event"] == "balance_update" and "notification_id" not in balance["data"]
    assert balance["data"]["transaction_id"] == sent["data"]["transaction_id"]


def test_acknowledgements_are_batched_per_process(monkeypatch, settings):
    """With OUTBOX_ACK_SECONDS > 0 the pushes of a second are acknowledged in one UPDATE."""
    settings.OUTBOX_ACK_SECONDS = 0.05
    written: list[list[int]] = []
    monkeypatch.setattr(outbox, "outbox_mark_pushed", lambda ids: written.append(sorted(ids)) or len(ids))
    buffer = outbox._AckBuffer()
    buffer.add([1, 2])
    buffer.add([3])
    buffer.add([])
    thread = buffer._thread
    assert thread is not None
    thread.join(timeout=5)
    assert written == [[1, 2, 3]] and buffer._thread is None
    buffer.add([4])
    buffer.flush()  # at exit: whatever is left
    assert written[-1] == [4]


def test_the_sweeper_takes_the_oldest_first_in_batches(alice, listening):
    from notifications.services import notification_send

    alices = listening(alice)
    rows = [notification_send(user_id=alice.pk, event="notification", data={"kind": "test", "i": i}) for i in range(5)]
    Notification.objects.update(pushed_at=None, created_at=timezone.now() - timedelta(minutes=1))
    assert outbox_sweep(batch=2) == 5
    assert [m["data"]["notification_id"] for m in alices() if m["data"].get("i") is not None][-5:] == [r.pk for r in rows]


def test_push_outbox_command(alice, bob, listening, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        payment_send(payer=alice, payee="bob", amount=Decimal("5.00"))
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=1))
    out = io.StringIO()
    call_command("push_outbox", stdout=out)
    assert out.getvalue() == "push_outbox: nothing to do without a shared channel layer (set REDIS_URL)\n"
    assert Notification.objects.filter(pushed_at__isnull=True).count() == 2

    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "notifications.tests.test_outbox.SharedLayer"}}
    channel_layers.backends.clear()
    bobs = listening(bob)
    out = io.StringIO()
    call_command("push_outbox", stdout=out)
    assert out.getvalue() == "push_outbox: 2 notification(s) re-sent\n"
    assert [m["event"] for m in bobs()] == ["payment_received"]
    assert not Notification.objects.filter(pushed_at__isnull=True).exists()
