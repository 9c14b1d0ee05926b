"""Key rows as the claim-first idempotency release left them.

That release committed a claim (`in_progress`, no answer) before running the request, linked
the key to its transaction inside the money's transaction, and stored the answer in a third
transaction. A process that died (or was replaced by a deploy) between those steps left one of:

- `claim(...)`: a claim and nothing else: no money moved;
- `answer_lost(...)`: money moved and linked, the answer never stored.

These helpers write exactly those rows, so tests can check that today's code answers them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from ledger import idempotency
from ledger.models import IdempotencyKey
from securebank.parsers import JSONParser

# Older than idempotency.STALE_CLAIM: its request is presumed dead.
STALE = timedelta(minutes=5)


def _fingerprint(path: str, body: dict[str, Any] | None, scope: str) -> str:
    raw = APIRequestFactory().post(path, body or {}, format="json")
    return idempotency.fingerprint(Request(raw, parsers=[JSONParser()]), scope)


def claim(user: Any, key: str, *, scope: str, path: str, body: dict[str, Any] | None = None,
          age: timedelta = timedelta(0)) -> IdempotencyKey:
    """The claim the old release committed before running the request."""
    record = IdempotencyKey.objects.create(
        user=user, key=key, scope=scope, fingerprint=_fingerprint(path, body, scope)
    )
    IdempotencyKey.objects.filter(pk=record.pk).update(updated_at=timezone.now() - age)
    record.refresh_from_db()
    return record


def answer_lost(user: Any, key: str, *, age: timedelta = timedelta(0)) -> IdempotencyKey:
    """Strip the stored answer from a key whose money committed and linked: what the old
    release left when it died between the money's commit and storing the answer."""
    record = IdempotencyKey.objects.get(user=user, key=key)
    assert record.transaction_id is not None, "only a key that moved money can lose its answer"
    IdempotencyKey.objects.filter(pk=record.pk).update(
        state=IdempotencyKey.State.IN_PROGRESS, response_status=None, response_body=None,
        updated_at=timezone.now() - age,
    )
    record.refresh_from_db()
    return record
