"""JWT authentication for the API: simplejwt's, with the user read by one hand-written SELECT.

Every API request looks its user up; through the ORM that lookup cost more CPU than anything
else an authenticated request does before its view (bench/results_transfers.md). The token
checks and the user checks (exists, active) are simplejwt's own.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from accounts.models import User
from securebank import sql


class JWTAuthentication(SimpleJWTAuthentication):
    def get_raw_token(self, header: bytes) -> bytes | None:
        # An authentication scheme is case-insensitive (RFC 9110 11.1): `bearer <token>`, as
        # some HTTP clients send it, is the same credential as `Bearer <token>`.
        parts = header.split()
        if parts and parts[0].lower() == b"bearer":
            header = b" ".join([b"Bearer", *parts[1:]])
        return super().get_raw_token(header)

    def get_user(self, validated_token: Token) -> Any:
        if api_settings.CHECK_REVOKE_TOKEN:  # not used by SecureBank: simplejwt's own path
            return super().get_user(validated_token)
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken(_("Token contained no recognizable user identification")) from exc
        try:
            user = sql.get(User, api_settings.USER_ID_FIELD, user_id)
        except (TypeError, ValueError):  # a claim of the wrong type names no user of ours
            user = None
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        return user


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme: the same bearer JWT as simplejwt's (registered on import)."""

    target_class = "accounts.authentication.JWTAuthentication"
