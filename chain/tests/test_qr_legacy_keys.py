"""A QR payment's key left by the claim-first release (see ledger.tests.legacy): a lost answer is
answered from the payment, a dead claim is taken over, and the code is paid exactly once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chain.models import QRPayment
from ledger.models import Transaction
from ledger.selectors import account_for_user
from ledger.tests.legacy import STALE, answer_lost, claim

pytestmark = pytest.mark.django_db
GENERATE, VERIFY = "/api/blockchain/generate-qr", "/api/blockchain/verify-qr"


@pytest.fixture
def code(auth_client, user_factory) -> dict:
    payee = user_factory("shop")
    response = auth_client(payee).post(GENERATE, {"amount": "40.00"}, format="json")
    assert response.status_code == 201, response.json()
    return {**response.json(), "payee": payee}


def pay(client, code: dict, key: str):  # noqa: ANN001, ANN201
    return client.post(VERIFY, {"qr_data": code["qr_data"], "confirm": True}, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_lost_answer_is_answered_from_the_payment(auth_client, user_factory, code):
    payer = user_factory("customer")
    client = auth_client(payer)
    first = pay(client, code, "q-lost")
    assert first.status_code == 201, first.json()
    answer_lost(payer, "q-lost")
    retry = pay(client, code, "q-lost")
    assert retry.status_code == 201 and retry["Idempotent-Replayed"] == "true"
    assert retry.json()["transaction"]["id"] == first.json()["transaction"]["id"]
    assert Transaction.objects.filter(kind="qr_payment").count() == 1


def test_a_dead_claim_is_taken_over_and_the_code_paid_once(auth_client, user_factory, code):
    payer = user_factory("customer")
    claim(payer, "q-dead", scope="chain.qr_pay", path=VERIFY, body={"qr_data": code["qr_data"], "confirm": True}, age=STALE)
    client = auth_client(payer)
    taken = pay(client, code, "q-dead")
    again = pay(client, code, "q-dead")
    assert taken.status_code == again.status_code == 201, taken.json()
    assert again.json() == taken.json()
    qr = QRPayment.objects.get(pk=code["qr_id"])
    assert qr.status == QRPayment.Status.PAID and str(qr.transaction_id) == taken.json()["transaction"]["id"]
    assert account_for_user(user=code["payee"]).balance == Decimal("10040.00")
