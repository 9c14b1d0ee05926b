"""Django's HTTP entry point for daphne, with the middleware chain and the view in one hop.

Django's own `ASGIHandler` loads the middleware in async mode. Every middleware built on
`MiddlewareMixin` (all of Django's, and corsheaders') then runs its `process_request` and
`process_response` through `sync_to_async`, and a sync-only one (our JsonErrorMiddleware) turns
the chain back with `async_to_sync`: about a dozen hops between the event loop and the worker
thread per request, which measured ~30% of a transfer's server CPU (bench/results_transfers.md).
Every HTTP view here is sync, so the chain is loaded in sync mode and runs, view included, in
one hop on the same thread-sensitive executor that Django uses for sync views. Reading the
body, disconnect detection and sending stay Django's (only `get_response_async` changes).
"""

from __future__ import annotations

import http
from contextlib import suppress

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponseBase


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        BaseHandler.__init__(self)  # not ASGIHandler.__init__: it loads the chain in async mode
        self.load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


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
