"""Django's session, CSRF, user and messages middleware for the admin's pages only.

The API authenticates every request with a JWT (DRF), is CSRF-exempt (DRF views are) and
renders no messages, so on `/api/` and `/classic/api/` these four hooks did nothing but cost a
call each and, for sessions and CSRF, a look at cookies and `Vary` headers on every answer
(bench/results_transfers.md, "Less work per request"). Each class here is Django's own with one
change: an API request passes straight through. They stay subclasses so that the admin's system
checks still find them in MIDDLEWARE, and in the same order, so the admin works as before.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest
from django.middleware import csrf

API_PREFIXES = ("/api/", "/classic/api/")


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIXES)


class _AdminOnly:
    """Skips the wrapped middleware on API paths. Works in either mode: in async mode
    `get_response` returns an awaitable, which the caller awaits as it would ours."""

    get_response: Any

    def __call__(self, request: HttpRequest) -> Any:
        if is_api(request):
            return self.get_response(request)
        return super().__call__(request)  # type: ignore[misc]


class SessionMiddleware(_AdminOnly, sessions.SessionMiddleware):
    pass


class CsrfViewMiddleware(_AdminOnly, csrf.CsrfViewMiddleware):
    def process_view(self, request: HttpRequest, callback: Any, callback_args: Any, callback_kwargs: Any) -> Any:
        # Django calls view hooks itself, outside __call__: skip here too (DRF views are exempt anyway).
        if is_api(request):
            return None
        return super().process_view(request, callback, callback_args, callback_kwargs)


class AuthenticationMiddleware(_AdminOnly, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(_AdminOnly, messages.MessageMiddleware):
    pass
