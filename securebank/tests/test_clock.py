"""One clock and one timestamp format for every channel (securebank.clock)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import make_user
from ledger import services
from ledger.models import Account
from notifications.tests.layer import heard_in_group
from payments.events import payment_data
from securebank import clock
from securebank.notify import notify_many, user_group

pytestmark = pytest.mark.django_db
IST = "+05:30"


@pytest.fixture
def ticking_clock(monkeypatch):
    """Every call of timezone.now() is one millisecond later than the one before."""
    start = datetime(2026, 3, 1, 4, 30, tzinfo=UTC)
    ticks = itertools.count()
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(milliseconds=next(ticks)))


def test_timestamp_is_the_bank_time_zone_as_drf_writes_it():
    moment = datetime(2026, 1, 31, 9, 30, 0, 123456, tzinfo=UTC)
    assert clock.timestamp(moment) == "2026-01-31T15:00:00.123456+05:30"
    assert clock.timestamp(None) is None


def test_a_transfer_completes_at_the_moment_it_is_created(ticking_clock):
    alice, bob = make_user("alice"), make_user("bob")
    txn = services.transfer_create(payer=alice, payee_account=Account.objects.get(owner=bob), amount=Decimal("5.00")).transaction
    txn.refresh_from_db()
    assert txn.completed_at >= txn.created_at
    assert txn.completed_at == txn.created_at  # one reading of the clock, inside the ledger's lock


def test_rest_and_event_payloads_show_the_same_moment_the_same_way(client):
    alice, bob = make_user("alice"), make_user("bob")
    txn = services.transfer_create(payer=alice, payee_account=Account.objects.get(owner=bob), amount=Decimal("5.00")).transaction
    txn.refresh_from_db()
    rest = client.get(f"/api/transactions/{txn.pk}", HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(alice)}").json()
    event = payment_data(txn, counterparty=bob, committed_at="")
    assert event["created_at"] == rest["created_at"] and event["created_at"].endswith(IST)
    assert event["completed_at"] == rest["completed_at"] and event["completed_at"].endswith(IST)


def test_event_timestamp_and_sent_at_are_local(django_capture_on_commit_callbacks):
    def notify() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            notify_many([(7, "notification", {"kind": "x"})])

    _, message = heard_in_group(user_group(7), notify)
    assert message["timestamp"].endswith(IST)
    assert message["sent_at"].endswith(IST)
