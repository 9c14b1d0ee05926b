"""The one-off migration that settles keys left unanswered by the claim-first release
(ledger/migrations/0004): a retry replays the payment that moved, and nothing pays twice."""

from __future__ import annotations

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.tests.factories import make_user
from ledger.models import Account, IdempotencyKey, Transaction

migration = importlib.import_module("ledger.migrations.0004_complete_claim_first_idempotency_keys")
URL = "/api/transactions/transfer"
BODY = {"to_username": "bob", "amount": "5.00"}
pytestmark = pytest.mark.django_db


def post(client, key: str, body: dict | None = None):
    return client.post(URL, body or BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)


def as_left_by_the_claim_first_release(key: IdempotencyKey, *, linked: bool, age: timedelta = timedelta(0)) -> None:
    IdempotencyKey.objects.filter(pk=key.pk).update(
        state=IdempotencyKey.State.IN_PROGRESS, response_status=None, response_body=None,
        transaction=key.transaction if linked else None, created_at=timezone.now() - age,
    )


def test_keys_left_unanswered_are_settled_and_retries_pay_once(auth_client):
    alice, _bob = make_user("alice"), make_user("bob")
    client = auth_client(alice)
    first = post(client, "lost")  # money moved, answer lost
    post(client, "old", {**BODY, "amount": "7.00"})  # moved, but older than the keys' 24 hours
    # A claim whose request died before moving money.
    IdempotencyKey.objects.create(user=alice, key="dead", scope="ledger.transfer", fingerprint="0" * 64)
    keys = {k.key: k for k in IdempotencyKey.objects.all()}
    as_left_by_the_claim_first_release(keys["lost"], linked=True)
    as_left_by_the_claim_first_release(keys["old"], linked=True, age=timedelta(hours=25))

    migration.settle_claim_first_keys(apps, None)

    settled = IdempotencyKey.objects.get(key="lost")
    assert settled.state == IdempotencyKey.State.COMPLETED and settled.response_status == 201
    assert settled.response_body["transaction"]["id"] == first.json()["transaction"]["id"]
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {"lost"}
    transfers = Transaction.objects.filter(kind="transfer").count()
    retry = post(client, "lost")
    assert retry.status_code == 201 and retry["Idempotent-Replayed"] == "true"
    assert retry.json()["transaction"] == first.json()["transaction"]
    assert Transaction.objects.filter(kind="transfer").count() == transfers  # nothing paid twice
    assert Account.objects.get(owner=alice, is_primary=True).balance == Decimal("10000.00") - 5 - 7


def test_a_declined_payment_is_answered_422_like_the_first_time(auth_client, scripted_risk):
    alice, _bob = make_user("alice"), make_user("bob")
    client = auth_client(alice)
    scripted_risk.decision = "decline"
    first = post(client, "declined")
    assert first.status_code == 422
    key = IdempotencyKey.objects.get(key="declined")
    txn = Transaction.objects.get(kind="transfer", status="declined")
    IdempotencyKey.objects.filter(pk=key.pk).update(state="in_progress", response_status=None, response_body=None,
                                                     transaction=txn)
    migration.settle_claim_first_keys(apps, None)
    key.refresh_from_db()
    assert key.response_status == 422 and key.response_body == first.json()


def test_nothing_to_do_on_a_database_the_old_release_never_served(auth_client):
    alice, _bob = make_user("alice"), make_user("bob")
    post(auth_client(alice), "k")
    before = list(IdempotencyKey.objects.values())
    migration.settle_claim_first_keys(apps, None)
    assert list(IdempotencyKey.objects.values()) == before
