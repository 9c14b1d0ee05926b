"""A voice payment's key left by the claim-first release (see ledger.tests.legacy) is answered
from its payment or taken over; the confirmation pays once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.models import Account, Transaction
from ledger.tests.legacy import STALE, answer_lost, claim
from voice.models import VoiceConfirmation
from voice.tests.factories import make_contact, make_user

pytestmark = pytest.mark.django_db
PROCESS, EXECUTE = "/api/speech/process", "/api/speech/execute"


@pytest.fixture
def alice(db):  # noqa: ANN001
    return make_user("alice", full_name="Alice Rao")


@pytest.fixture
def rahul(alice):  # noqa: ANN001
    rahul = make_user("rsharma", full_name="Rahul Sharma")
    make_contact(alice, rahul, "1.00")
    return rahul


@pytest.fixture
def client(alice, auth_client):  # noqa: ANN001
    return auth_client(alice)


def token_for(client, text: str) -> str:  # noqa: ANN001
    body = client.post(PROCESS, {"text": text}, format="json").json()
    assert body["confirmation_token"], body
    return body["confirmation_token"]


def execute(client, token: str, key: str):  # noqa: ANN001, ANN201
    return client.post(EXECUTE, {"confirmation_token": token}, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_lost_answer_is_answered_from_the_payment(client, alice, rahul):
    token = token_for(client, "pay rahul 50")
    first = execute(client, token, "v-lost")
    assert first.status_code == 201, first.json()
    answer_lost(alice, "v-lost")
    retry = execute(client, token, "v-lost")
    assert retry.status_code == 201 and retry["Idempotent-Replayed"] == "true"
    assert retry.json()["intent"] == "pay"
    assert retry.json()["transaction"]["id"] == first.json()["transaction"]["id"]
    assert Transaction.objects.filter(kind="voice_payment").count() == 1


def test_a_dead_claim_is_taken_over_and_pays_once(client, alice, rahul):
    token = token_for(client, "pay rahul 50")
    claim(alice, "v-dead", scope="voice.execute", path=EXECUTE, body={"confirmation_token": token}, age=STALE)
    taken = execute(client, token, "v-dead")
    again = execute(client, token, "v-dead")
    assert taken.status_code == again.status_code == 201, taken.json()
    assert again.json() == taken.json()
    assert VoiceConfirmation.objects.get().consumed_at is not None
    assert Account.objects.get(owner=rahul, is_primary=True).balance == Decimal("10051.00")
