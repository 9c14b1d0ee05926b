"""JWT access-token check for WebSocket connections (same rules as the HTTP API)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User

MAX_TOKEN_LENGTH = 4096  # a SecureBank access token is ~250 characters


@dataclass(frozen=True)
class SocketIdentity:
    user_id: int
    expires_at: float  # the token's `exp` (Unix seconds): the socket closes with 4401 then


def socket_identity_from_access_token(token: str) -> SocketIdentity | None:
    """Who an access token names, if it is a valid, unexpired *access* token (signature,
    expiry and token type checked by simplejwt) of an active user; None for anything else."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        access = AccessToken(token)
    except TokenError:
        return None
    try:
        user_id = int(access.get(settings.SIMPLE_JWT["USER_ID_CLAIM"]))
        expires_at = float(access["exp"])
    except (KeyError, TypeError, ValueError):
        return None
    if not User.objects.filter(pk=user_id, is_active=True).exists():
        return None
    return SocketIdentity(user_id=user_id, expires_at=expires_at)


def user_id_from_access_token(token: str) -> int | None:
    """The active user's id for a valid, unexpired access token; None for anything else."""
    identity = socket_identity_from_access_token(token)
    return identity.user_id if identity else None
