"""Keys left by the claim-first idempotency release are answered, replayed or taken over, so a
deploy strands no in-flight key and pays nothing twice (see ledger.tests.legacy)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from accounts.tests.factories import make_user
from ledger import idempotency
from ledger.models import Account, IdempotencyKey, Transaction
from ledger.tests.legacy import STALE, answer_lost, claim
from securebank.tests.threads import client_for, run_threads

URL = "/api/transactions/transfer"
BODY = {"to_username": "bob", "amount": "5.00"}


def balance(user) -> Decimal:  # noqa: ANN001
    return Account.objects.get(owner=user, is_primary=True).balance


def transfers() -> int:
    return Transaction.objects.filter(kind="transfer").count()


def post(client, key: str, body: dict | None = None):  # noqa: ANN001, ANN201
    return client.post(URL, body or BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.fixture
def alice(db):  # noqa: ANN001
    return make_user("alice")


@pytest.fixture
def bob(db):  # noqa: ANN001
    return make_user("bob")


@pytest.fixture
def short_wait(monkeypatch):  # noqa: ANN001
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.2)


@pytest.mark.django_db
def test_money_moved_answer_lost_is_answered_at_once_and_completed(auth_client, alice, bob):
    client = auth_client(alice)
    first = post(client, "lost")
    record = answer_lost(alice, "lost")  # fresh: the old process died a moment ago

    retry = post(client, "lost")
    assert retry.status_code == 201, retry.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["transaction"]["id"] == first.json()["transaction"]["id"] == str(record.transaction_id)
    assert transfers() == 1 and balance(alice) == Decimal("9995.00")

    record.refresh_from_db()
    assert record.state == IdempotencyKey.State.COMPLETED and record.response_status == 201
    again = post(client, "lost")
    assert again.json() == retry.json() and transfers() == 1


@pytest.mark.django_db
def test_stale_claim_is_taken_over_and_pays_once(auth_client, alice, bob):
    record = claim(alice, "dead", scope="ledger.transfer", path=URL, body=BODY, age=STALE)
    client = auth_client(alice)

    taken = post(client, "dead")
    assert taken.status_code == 201, taken.json()
    assert "Idempotent-Replayed" not in taken
    record.refresh_from_db()
    assert record.state == IdempotencyKey.State.COMPLETED
    assert str(record.transaction_id) == taken.json()["transaction"]["id"]

    replay = post(client, "dead")
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == taken.json()
    assert transfers() == 1 and balance(alice) == Decimal("9995.00") and balance(bob) == Decimal("10005.00")


@pytest.mark.django_db
def test_fresh_claim_is_waited_for_then_taken_over_once_stale(auth_client, alice, bob, short_wait):
    record = claim(alice, "busy", scope="ledger.transfer", path=URL, body=BODY)
    client = auth_client(alice)

    busy = post(client, "busy")
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "request_in_progress"
    assert transfers() == 0

    IdempotencyKey.objects.filter(pk=record.pk).update(updated_at=record.updated_at - STALE)
    assert post(client, "busy").status_code == 201
    assert transfers() == 1 and balance(alice) == Decimal("9995.00")


@pytest.mark.django_db
def test_a_claim_for_another_body_is_a_conflict(auth_client, alice, bob):
    claim(alice, "other", scope="ledger.transfer", path=URL, body={"to_username": "bob", "amount": "6.00"}, age=STALE)
    r = post(auth_client(alice), "other")
    assert r.status_code == 409 and r.json()["error"]["code"] == "idempotency_conflict"
    assert transfers() == 0


@pytest.mark.django_db
def test_a_refusal_on_take_over_is_stored_like_any_answer(auth_client, alice, bob):
    body = {"to_username": "bob", "amount": "20000.00"}
    claim(alice, "broke", scope="ledger.transfer", path=URL, body=body, age=STALE)
    client = auth_client(alice)
    first, again = post(client, "broke", body), post(client, "broke", body)
    assert first.status_code == again.status_code == 422 and first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true" and transfers() == 0


@pytest.mark.django_db
def test_an_answer_stored_by_the_old_release_is_replayed(auth_client, alice, bob):
    record = claim(alice, "done", scope="ledger.transfer", path=URL, body=BODY)
    stored = {"transaction": {"id": "stored-by-the-old-release"}, "balance": "9995.00"}
    IdempotencyKey.objects.filter(pk=record.pk).update(
        state=IdempotencyKey.State.COMPLETED, response_status=201, response_body=stored
    )
    r = post(auth_client(alice), "done")
    assert r.status_code == 201 and r.json() == stored and r["Idempotent-Replayed"] == "true"
    assert transfers() == 0


# --- several retries at once, on PostgreSQL's real row locks ------------------------------------
def _retry_together(user, key: str, n: int = 8) -> list[tuple[int, str | None]]:  # noqa: ANN001
    clients = [client_for(user) for _ in range(n)]
    start = threading.Barrier(n)
    answers: list[tuple[int, str | None]] = []

    def retry(i: int) -> None:
        start.wait(10)
        r = post(clients[i], key)
        answers.append((r.status_code, r.json().get("transaction", {}).get("id")))

    assert run_threads(n, retry) == []
    return answers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_retries_racing_for_a_stale_claim_pay_once():
    alice, bob = make_user("alice"), make_user("bob")
    claim(alice, "race", scope="ledger.transfer", path=URL, body=BODY, age=STALE)
    answers = _retry_together(alice, "race")
    ids = {txn for _, txn in answers}
    assert [code for code, _ in answers] == [201] * 8 and len(ids) == 1
    assert transfers() == 1 and balance(alice) == Decimal("9995.00") and balance(bob) == Decimal("10005.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_retries_racing_for_a_lost_answer_replay_the_one_payment():
    alice, bob = make_user("alice"), make_user("bob")
    first = post(client_for(alice), "race")
    answer_lost(alice, "race")
    answers = _retry_together(alice, "race")
    assert answers == [(201, first.json()["transaction"]["id"])] * 8
    assert transfers() == 1 and balance(alice) == Decimal("9995.00") and balance(bob) == Decimal("10005.00")
