"""Keys the claim-first release left on payments (send, accept) are answered from their money or
taken over, and pay once (see ledger.tests.legacy)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.models import Account, Transaction
from ledger.tests.legacy import STALE, answer_lost, claim
from payments.models import MoneyRequest
from payments.tests.factories import make_request

pytestmark = pytest.mark.django_db
SEND = "/api/payments/send"


def balance(user) -> Decimal:  # noqa: ANN001
    return Account.objects.get(owner=user, is_primary=True).balance


def accept_url(request) -> str:  # noqa: ANN001
    return f"/api/payments/requests/{request.pk}/accept"


def test_send_with_a_lost_answer_replays_its_payment(alice, bob, auth_client):
    client, body = auth_client(alice), {"payee": "bob@securebank", "amount": "7.00"}
    first = client.post(SEND, body, format="json", HTTP_IDEMPOTENCY_KEY="s-lost")
    answer_lost(alice, "s-lost")
    retry = client.post(SEND, body, format="json", HTTP_IDEMPOTENCY_KEY="s-lost")
    assert retry.status_code == 201 and retry["Idempotent-Replayed"] == "true"
    assert retry.json()["transaction"]["id"] == first.json()["transaction"]["id"]
    assert balance(bob) == Decimal("10007.00")


def test_send_with_a_stale_claim_pays_once(alice, bob, auth_client):
    body = {"payee": "bob@securebank", "amount": "7.00"}
    claim(alice, "s-dead", scope="payments.send", path=SEND, body=body, age=STALE)
    client = auth_client(alice)
    taken = client.post(SEND, body, format="json", HTTP_IDEMPOTENCY_KEY="s-dead")
    again = client.post(SEND, body, format="json", HTTP_IDEMPOTENCY_KEY="s-dead")
    assert taken.status_code == again.status_code == 201 and again.json() == taken.json()
    assert balance(bob) == Decimal("10007.00") and balance(alice) == Decimal("9993.00")


def test_accept_with_a_lost_answer_replays_the_payment_and_the_request(alice, bob, auth_client):
    request = make_request(bob, alice, "5.00")
    client = auth_client(alice)
    first = client.post(accept_url(request), HTTP_IDEMPOTENCY_KEY="a-lost")
    answer_lost(alice, "a-lost")
    retry = client.post(accept_url(request), HTTP_IDEMPOTENCY_KEY="a-lost")
    assert retry.status_code == 201 and retry["Idempotent-Replayed"] == "true"
    assert retry.json()["transaction"]["id"] == first.json()["transaction"]["id"]
    assert retry.json()["request"]["status"] == "paid" and retry.json()["request"]["id"] == str(request.pk)
    assert Transaction.objects.filter(kind="request_payment").count() == 1


def test_accept_with_a_stale_claim_pays_the_request_once(alice, bob, auth_client):
    request = make_request(bob, alice, "5.00")
    url = accept_url(request)
    claim(alice, "a-dead", scope=f"payments.accept.{request.pk}", path=url, age=STALE)
    client = auth_client(alice)
    taken = client.post(url, HTTP_IDEMPOTENCY_KEY="a-dead")
    again = client.post(url, HTTP_IDEMPOTENCY_KEY="a-dead")
    assert taken.status_code == again.status_code == 201, taken.json()
    assert again.json() == taken.json() and again["Idempotent-Replayed"] == "true"
    assert MoneyRequest.objects.get(pk=request.pk).status == "paid"
    assert balance(bob) == Decimal("10005.00")
