"""securebank.idempotency_http: the header, the fingerprint and the answer, with the store (the
ledger's in production) swapped for a recording one through settings.IDEMPOTENCY_STORE."""

from __future__ import annotations

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from securebank import idempotency_http
from securebank.idempotency_http import Answer, InvalidIdempotencyKey, fingerprint, idempotent_response
from securebank.parsers import JSONParser

CALLS: list[dict] = []


def recording_store(**kwargs: object) -> Answer:
    CALLS.append(kwargs)
    return Answer(201, {"stored": True}, replayed=len(CALLS) > 1)


@pytest.fixture
def store(settings):
    settings.IDEMPOTENCY_STORE = f"{__name__}.recording_store"
    idempotency_http._store.cache_clear()
    CALLS.clear()
    yield CALLS
    idempotency_http._store.cache_clear()


def request(body: dict, **headers: str) -> Request:
    raw = APIRequestFactory().post("/x", body, format="json", **headers)
    req = Request(raw, parsers=[JSONParser()])
    req.user = "alice"
    return req


def test_without_a_key_the_request_runs_once_and_the_store_is_not_asked(store):
    response = idempotent_response(request({"a": 1}), scope="s", execute=lambda record: (201, {"record": record}))
    assert response.status_code == 201 and response.data == {"record": None} and store == []
    assert "Idempotent-Replayed" not in response


def test_with_a_key_the_store_runs_it_and_a_replay_is_marked(store):
    def execute(record: object) -> tuple[int, dict]:
        raise AssertionError("the store decides whether to run it")

    first = idempotent_response(request({"a": 1}, HTTP_IDEMPOTENCY_KEY="k-1"), scope="s", execute=execute)
    again = idempotent_response(request({"a": 1}, HTTP_IDEMPOTENCY_KEY="k-1"), scope="s", execute=execute)
    assert first.status_code == again.status_code == 201 and "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    assert [(c["user"], c["key"], c["scope"]) for c in store] == [("alice", "k-1", "s")] * 2
    assert store[0]["fingerprint"] == store[1]["fingerprint"] == fingerprint(request({"a": 1}), "s")


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "tab\there", "ключ"])
def test_a_malformed_key_is_refused_before_anything_runs(store, key):
    with pytest.raises(InvalidIdempotencyKey):
        idempotent_response(request({}, HTTP_IDEMPOTENCY_KEY=key), scope="s", execute=lambda record: (201, {}))
    assert store == []


def test_the_fingerprint_ignores_the_pin_and_tells_scopes_and_bodies_apart():
    base = fingerprint(request({"amount": "5.00", "pin": "1234"}), "payments.send")
    assert base == fingerprint(request({"amount": "5.00", "pin": "9999"}), "payments.send")
    assert base != fingerprint(request({"amount": "5.01", "pin": "1234"}), "payments.send")
    assert base != fingerprint(request({"amount": "5.00", "pin": "1234"}), "ledger.transfer")
