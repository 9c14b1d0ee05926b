"""The HTTP half of idempotency, for every money-moving POST: the `Idempotency-Key` header, the
body's fingerprint, the replayed response and the schema's parameter.

    class SendView(IdempotentView):
        idempotency_scope = "payments.send"

        def post(self, request):
            ...parse...
            return self.idempotent(request, lambda record: transfer_result(services.payment_send(
                ..., idempotency=record)), gate=lambda: pin_check_in_payment(user=..., pin=...))

- no header: `execute(None)` runs as usual (the API stays easy to try by hand);
- a key: the store (`settings.IDEMPOTENCY_STORE`, the ledger's `idempotent_execute`) runs the
  gate (the UPI PIN), claims (user, key), runs `execute(record)` and stores its answer in ONE
  database transaction, or
  answers from what it stored: same body -> the first answer again (header
  `Idempotent-Replayed: true`), another body -> 409 `idempotency_conflict`.

The store is named by a setting so that this lowest layer never imports the ledger (the same
move as `ledger.risk`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from securebank.errors import DomainError

if TYPE_CHECKING:
    from accounts.models import User

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

Executed = tuple[int, dict[str, Any]]
Execute = Callable[[Any], Executed]  # receives the claimed key record (None without a header)
# Runs first in the call's transaction (the UPI PIN check, `accounts.pin.pin_check_in_payment`):
# raises a refusal that wrote nothing, returns one that must be committed and then raised (a
# counted wrong PIN), or returns None to go on. So a paid request is one commit.
Gate = Callable[[], DomainError | None]


# What idempotency_key() accepts: 1-255 printable ASCII characters, no space.
KEY_PATTERN = r"^[!-~]{1,255}$"


def idempotency_key_parameter(description: str | None = None) -> OpenApiParameter:
    """The schema's `Idempotency-Key` header parameter."""
    return OpenApiParameter(
        HEADER, str, OpenApiParameter.HEADER, required=False, pattern=KEY_PATTERN,
        description=description or "1-255 printable characters, unique per user. A retry with the same key "
        "and body replays the first response; a different body gets 409 `idempotency_conflict`.",
    )


IDEMPOTENCY_KEY = idempotency_key_parameter()


class InvalidIdempotencyKey(DomainError):
    code = "invalid_idempotency_key"
    message = "Idempotency-Key must be 1-255 printable ASCII characters."


def idempotency_key(request: Request) -> str | None:
    """The request's key, None without the header; InvalidIdempotencyKey (400) when malformed."""
    key = request.headers.get(HEADER)
    if key is not None and not (1 <= len(key) <= 255 and all(33 <= ord(ch) <= 126 for ch in key)):
        raise InvalidIdempotencyKey()
    return key


# Secrets a body may carry that must never be stored, even hashed: the UPI PIN (a SHA-256 of a
# body that differs only in a 4-digit PIN would give the PIN away). A retry with another PIN is
# the same request; the PIN is checked by the gate, on every call.
_NOT_FINGERPRINTED = frozenset({"pin"})


def fingerprint(request: Request, scope: str) -> str:
    """What "the same request" means: scope, method and the body without its secrets."""
    data = request.data
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in _NOT_FINGERPRINTED}
    body = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{scope}\n{request.method}\n{body}".encode()).hexdigest()


class Answer(NamedTuple):
    status: int
    body: dict[str, Any]
    replayed: bool


class IdempotencyStore(Protocol):
    def __call__(
        self, *, user: User, key: str, scope: str, fingerprint: str, execute: Execute, gate: Gate | None = None
    ) -> Answer: ...


@lru_cache(maxsize=1)
def _store() -> IdempotencyStore:
    return import_string(settings.IDEMPOTENCY_STORE)


def idempotent_response(request: Request, *, scope: str, execute: Execute, gate: Gate | None = None) -> Response:
    """Run `execute` at most once per (user, Idempotency-Key) and answer. See the module docstring."""
    key = idempotency_key(request)
    if key is None:
        status, body = _unkeyed(execute, gate)
        return Response(body, status=status)
    answer = _store()(
        user=request.user, key=key, scope=scope, fingerprint=fingerprint(request, scope), execute=execute, gate=gate
    )
    response = Response(answer.body, status=answer.status)
    if answer.replayed:
        response[REPLAYED_HEADER] = "true"
    return response


def _unkeyed(execute: Execute, gate: Gate | None) -> Executed:
    """No key: `execute(None)`, in one transaction with the gate when there is one. A business
    refusal is raised after the commit, as it would be without the gate: what the services
    committed before refusing (a declined payment, a counted wrong PIN) is kept; a service
    refuses before it writes, or its own atomic block (a savepoint here) rolls the rest back."""
    if gate is None:
        return execute(None)
    with transaction.atomic(durable=True):
        refused = gate()
        if refused is None:
            try:
                executed = execute(None)
            except DomainError as exc:
                refused = exc
    if refused is not None:
        raise refused
    return executed


class IdempotentView(APIView):
    """A view whose POST moves money at most once per Idempotency-Key."""

    idempotency_scope: str = ""

    def idempotent(
        self, request: Request, execute: Execute, *, scope: str | None = None, gate: Gate | None = None
    ) -> Response:
        """`scope` (default `idempotency_scope`) keeps one endpoint's keys apart from another's;
        `gate` runs first in the same transaction (see `Gate`)."""
        return idempotent_response(request, scope=scope or self.idempotency_scope, execute=execute, gate=gate)
