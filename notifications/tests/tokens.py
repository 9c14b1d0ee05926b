"""Tokens for the socket tests: a good one, and every kind of bad one both sockets must refuse
before joining anything (the native WebSocket closes 4401, Socket.IO answers connect_error)."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from typing import Any

import jwt
import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken


def access(user: Any) -> str:
    return str(AccessToken.for_user(user))


def forged(user_id: int) -> str:
    payload = {"token_type": "access", "user_id": user_id, "jti": "f" * 32, "exp": int(time.time()) + 600}
    return jwt.encode(payload, "not-the-signing-key-" + "x" * 32, algorithm="HS256")


def tampered(token: str, user_id: int) -> str:
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["user_id"] = user_id
    forged_payload = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{forged_payload}.{signature}"


def expired(user: Any) -> str:
    token = AccessToken.for_user(user)
    token.set_exp(from_time=timezone.now() - timedelta(hours=1))
    return str(token)


def inactive(user: Any) -> str:
    token = access(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    return token


# Each makes a token from (a, b): two customers; the token must not let anyone in as a.
BAD_TOKENS = [
    pytest.param(lambda a, b: None, id="missing"),
    pytest.param(lambda a, b: "", id="empty"),
    pytest.param(lambda a, b: "not-a-jwt", id="garbage"),
    pytest.param(lambda a, b: "x" * 5000, id="huge"),
    pytest.param(lambda a, b: forged(a.pk), id="forged-signature"),
    pytest.param(lambda a, b: jwt.encode({"token_type": "access", "user_id": a.pk, "jti": "n",
                                          "exp": int(time.time()) + 600}, None, algorithm="none"), id="alg-none"),
    pytest.param(lambda a, b: tampered(access(b), a.pk), id="tampered-claims"),
    pytest.param(lambda a, b: str(RefreshToken.for_user(a)), id="refresh-not-access"),
    pytest.param(lambda a, b: expired(a), id="expired"),
    pytest.param(lambda a, b: inactive(a), id="inactive-user"),
]
