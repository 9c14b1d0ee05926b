"""JWT authentication for the API: simplejwt's, with the user read by one hand-written SELECT.

Every API request looks its user up; through the ORM that lookup cost more CPU than anything
else an authenticated request does before its view (bench/results_transfers.md). The token
checks and the user checks (exists, active) are simplejwt's own.

On the payment POSTs only (views with `user_read_in_payment = True`), the token is checked the
same way but the user row is left to the payment's own transaction: the gate every such view
runs first in it (`accounts.pin.pin_check_in_payment`) reads whether the customer still exists
and is active in the statement that asks whether they have set a UPI PIN, and refuses them
there (the same 401, nothing written). The read in autocommit before the view was a database
transaction of its own: a payment now commits once.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from accounts.models import User
from securebank import sql


class JWTAuthentication(SimpleJWTAuthentication):
    def authenticate(self, request: Request) -> tuple[User, Token] | None:
        view = (getattr(request, "parser_context", None) or {}).get("view")
        if not getattr(view, "user_read_in_payment", False) or api_settings.CHECK_REVOKE_TOKEN:
            return super().authenticate(request)
        header = self.get_header(request)
        raw_token = None if header is None else self.get_raw_token(header)
        if raw_token is None:
            return None
        validated_token = self.get_validated_token(raw_token)
        return _user_unread(validated_token), validated_token

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
        user = sql.get(User, api_settings.USER_ID_FIELD, _claimed_user_id(validated_token))
        if user is None:
            raise user_not_found()
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise user_inactive()
        return user


def _claimed_user_id(validated_token: Token) -> Any:
    """The token's user id claim as the user's key; a claim of the wrong type names no user."""
    try:
        claim = validated_token[api_settings.USER_ID_CLAIM]
    except KeyError as exc:
        raise InvalidToken(_("Token contained no recognizable user identification")) from exc
    try:
        return User._meta.get_field(api_settings.USER_ID_FIELD).to_python(claim)
    except ValidationError as exc:
        raise user_not_found() from exc


def _user_unread(validated_token: Token) -> User:
    """The token's user with only its id: every other field is read from the database on first
    use (Django's deferred fields), so nothing can see a stale or invented value. For a view
    whose every path runs `pin_check_in_payment` before it reads or writes anything."""
    return User.from_db(DEFAULT_DB_ALIAS, [User._meta.pk.attname], [_claimed_user_id(validated_token)])


def user_not_found() -> AuthenticationFailed:
    return AuthenticationFailed(_("User not found"), code="user_not_found")


def user_inactive() -> AuthenticationFailed:
    return AuthenticationFailed(_("User is inactive"), code="user_inactive")


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme: the same bearer JWT as simplejwt's (registered on import)."""

    target_class = "accounts.authentication.JWTAuthentication"
