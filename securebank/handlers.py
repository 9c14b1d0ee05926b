"""Django's HTTP entry point for the ASGI server: each request runs in one hop to a pooled thread.

Django's own `ASGIHandler` loads the middleware in async mode. Every middleware built on
`MiddlewareMixin` (all of Django's, and corsheaders') then runs its `process_request` and
`process_response` through `sync_to_async`, and a sync-only one (our JsonErrorMiddleware) turns
the chain back with `async_to_sync`: about a dozen hops between the event loop and the worker
thread per request. Measured under uvicorn too (bench/results_transfers.md, "Serving"): Django's
handler costs ~20% more server CPU per transfer than this one. Every HTTP view here is sync, so
the chain is loaded in sync mode.

Around the chain, Django's handler also makes three more hops per request (the request_started
receivers, the view, `response.close()` with the request_finished receivers), each to a thread
it starts for that request alone (asgiref's per-request `ThreadSensitiveContext`). Here the
three run in one call on a thread of a fixed pool, in the order and on the thread a WSGI server
would use: request_started, the middleware chain and view, then `close()` (which hands the
database connection back) before the answer is sent. Streaming answers are closed after they
are sent, as Django does. Reading the body and sending stay Django's. The hop itself is a plain
`run_in_executor` (securebank/server_loop.py), not asgiref's `sync_to_async`.
"""

from __future__ import annotations

import http
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from typing import Any

import django
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponseBase
from django.urls import set_script_prefix

from securebank import server_loop

PROBE_PREFIX = "/api/health"  # liveness, readiness and the full report (securebank/urls.py)


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        BaseHandler.__init__(self)  # not ASGIHandler.__init__: it loads the chain in async mode
        self.load_middleware(is_async=False)
        # Requests in the view at once per process; more wait here, not in the database pool.
        self.executor = ThreadPoolExecutor(max_workers=settings.HTTP_THREADS, thread_name_prefix="http")
        # Health probes on threads of their own: with a few HTTP_THREADS, all of them waiting
        # for a database that is down (up to DB_POOL_TIMEOUT each) left /live and /ready
        # unanswered behind them (bench/results_transfers.md, "Threads per process"); a probe must
        # say so at once.
        self.probe_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="http-probe")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        executor = self.probe_executor if scope["path"].startswith(PROBE_PREFIX) else self.executor
        try:
            response = await server_loop.in_thread(executor, self._respond, scope, body_file)
            try:
                await self.send_response(response, send)
            finally:
                if response.streaming:  # closed after its last chunk, or when the client left
                    await server_loop.in_thread(executor, response.close)
        finally:
            body_file.close()

    def _respond(self, scope: dict[str, Any], body_file: Any) -> HttpResponseBase:
        """On the worker thread: what Django's handler does in three hops, in one."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
        response._handler_class = self.__class__
        if not response.streaming:
            response.close()  # request_finished: the connection goes back before the send
        return response

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # Not used by handle() above; kept so Django's own callers still get the sync chain.
        return await sync_to_async(self.get_response, thread_sensitive=False, executor=self.executor)(request)


def reason_phrases_install() -> None:
    """Give daphne the reason phrases Twisted lacks. An ASGI response carries only a status
    code; daphne's Twisted looks the phrase up in its own table, which has no 422 or 429, so
    those went out as `422 Unknown Status`. Uvicorn takes Python's `http.HTTPStatus` phrases:
    the same table fills Twisted's gaps, so both servers say `422 Unprocessable Entity`."""
    with suppress(ImportError):  # another ASGI server, without Twisted
        from twisted.web import http as twisted_http

        for status in http.HTTPStatus:
            twisted_http.RESPONSES.setdefault(status.value, status.phrase.encode("ascii"))


def get_http_application() -> SyncChainASGIHandler:
    """Like `django.core.asgi.get_asgi_application`: sets Django up, returns the handler."""
    django.setup(set_prefix=False)
    reason_phrases_install()
    return SyncChainASGIHandler()
