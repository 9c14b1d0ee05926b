"""Which `Origin` may open a socket (native WebSocket and Socket.IO alike).

The origin check protects browsers: a page on another site must not ride a user's browser into
our sockets. Browsers always send `Origin` on a WebSocket handshake and on cross-origin
requests, so a handshake *without* one comes from a mobile app, a server or a CLI — none of
which has ambient credentials to abuse. Those are let through to token authentication (a bad
token then closes with 4401, not a bare HTTP 403). A handshake *with* an `Origin` must name a
host in `ALLOWED_HOSTS` (Channels' rule) or an origin in `CORS_ALLOWED_ORIGINS`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import ParseResult, urlparse

from channels.security.websocket import OriginValidator
from django.conf import settings


def _allowed_patterns() -> list[str]:
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:  # as Channels' AllowedHostsOriginValidator
        hosts = ["localhost", "127.0.0.1", "[::1]"]
    return hosts + list(getattr(settings, "CORS_ALLOWED_ORIGINS", []))


class BrowserOriginValidator(OriginValidator):
    """Channels' `OriginValidator` over ALLOWED_HOSTS + CORS_ALLOWED_ORIGINS, except that a
    handshake without an `Origin` header is not a browser's and goes on to the token check."""

    def valid_origin(self, parsed_origin: ParseResult | None) -> bool:
        if parsed_origin is None:
            return True
        return self.validate_origin(parsed_origin)


def browser_origin_validator(application: Any) -> BrowserOriginValidator:
    return BrowserOriginValidator(application, _allowed_patterns())


def origin_allowed(origin: str | None) -> bool:
    """The same rule for a raw `Origin` value (Engine.IO calls this for Socket.IO); None or
    empty means no header, which is allowed."""
    if not origin:
        return True
    try:
        parsed = urlparse(origin)
    except ValueError:
        return False
    return BrowserOriginValidator(None, _allowed_patterns()).validate_origin(parsed)
