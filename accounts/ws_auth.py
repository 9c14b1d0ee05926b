"""JWT access-token check for WebSocket connections (same rules as the HTTP API)."""

from __future__ import annotations

from django.conf import settings
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User


def user_id_from_access_token(token: str) -> int | None:
    """The active user's id for a valid, unexpired access token; None for anything else."""
    try:
        access = AccessToken(token)
    except TokenError:
        return None
    user_id = access.get(settings.SIMPLE_JWT["USER_ID_CLAIM"])
    if user_id is None or not User.objects.filter(pk=user_id, is_active=True).exists():
        return None
    return int(user_id)
