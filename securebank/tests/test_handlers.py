"""HTTP through the real ASGI application (what the server runs): request_started, the middleware
chain, the view and request_finished run in one hop to a pooled thread, and every answer is still
Django's and ours."""

from __future__ import annotations

import asyncio
import json
import threading
from decimal import Decimal

import pytest
from asgiref.sync import iscoroutinefunction
from channels.testing import HttpCommunicator
from django.core.signals import request_finished, request_started
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import make_user
from ledger.models import Account
from securebank.asgi import application, django_asgi_app

# The view runs in the worker thread with its own connection: data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


def call(method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict, dict]:
    payload = json.dumps(body).encode() if body is not None else b""
    headers = [(b"host", b"localhost"), (b"content-type", b"application/json"), (b"content-length", b"%d" % len(payload))]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))

    async def go() -> dict:
        comm = HttpCommunicator(application, method, path, body=payload, headers=headers)
        return await comm.get_response(timeout=10)

    response = asyncio.run(go())
    headers_out = {k.decode().lower(): v.decode() for k, v in response["headers"]}
    return response["status"], json.loads(response["body"] or b"{}"), headers_out


def test_the_middleware_chain_is_one_sync_call():
    assert not iscoroutinefunction(django_asgi_app._middleware_chain)


def test_a_transfer_through_the_asgi_application():
    alice, bob = make_user("alice"), make_user("bob")
    token = str(AccessToken.for_user(alice))
    status, body, headers = call("POST", "/api/transactions/transfer", {"to_username": "bob", "amount": "12.50"}, token)
    assert status == 201, body
    assert body["transaction"]["amount"] == "12.50" and body["balance"] == "9987.50"
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert Account.objects.get(owner=bob).balance == Decimal("10012.50")


def test_errors_keep_the_json_shape_through_the_asgi_application():
    status, body, _ = call("GET", "/api/no-such-thing")
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body, _ = call("POST", "/api/transactions/transfer", {"to_username": "bob", "amount": "1"})
    assert status == 401 and body["error"]["code"] in {"not_authenticated", "authentication_failed"}


def test_a_request_runs_in_one_pooled_thread_from_request_started_to_request_finished():
    seen: list[tuple[str, str]] = []

    def started(**_kwargs: object) -> None:
        seen.append(("started", threading.current_thread().name))

    def finished(**_kwargs: object) -> None:
        seen.append(("finished", threading.current_thread().name))

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        for _ in range(3):
            status, _body, _ = call("GET", "/api/health/live")
            assert status == 200
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    assert [event for event, _ in seen] == ["started", "finished"] * 3
    threads = {name for _, name in seen}
    # Django's own handler runs each request's hooks on a thread started for that request.
    assert all(name.startswith("http") for name in threads), threads
    assert len(threads) <= django_asgi_app.executor._max_workers


@pytest.mark.urls("securebank.tests.urls")
def test_a_streaming_answer_is_sent_whole_and_closed_after_it():
    sent: list[dict] = []
    finished: list[int] = []  # how many ASGI messages had been sent when request_finished fired

    def on_finished(**_kwargs: object) -> None:
        finished.append(len(sent))

    async def go() -> None:
        # Plain ASGI: HttpCommunicator cannot read a last body message without a "body" key.
        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": "/test/stream", "raw_path": b"/test/stream", "root_path": "",
                 "query_string": b"", "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 1),
                 "server": ("127.0.0.1", 80)}  # fmt: skip
        await asyncio.wait_for(application(scope, receive, send), 10)

    request_finished.connect(on_finished)
    try:
        asyncio.run(go())
    finally:
        request_finished.disconnect(on_finished)
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"one,two,three"
    assert finished == [len(sent)]  # once, and only after the last message was sent


def test_health_probes_answer_while_every_http_thread_is_busy():
    """A database that is down holds each HTTP thread up to DB_POOL_TIMEOUT: the probes run on
    threads of their own, so /live still answers and /ready says 503 at once."""
    release = threading.Event()
    busy = [django_asgi_app.executor.submit(release.wait, 30) for _ in range(django_asgi_app.executor._max_workers)]
    try:
        status, body, _ = call("GET", "/api/health/live")
        assert status == 200 and body["status"] == "ok"
        assert not any(job.done() for job in busy)  # the HTTP threads were all still taken
    finally:
        release.set()
    assert all(job.result(timeout=5) for job in busy)
