"""Store a notification and push it to the user's sockets after commit.

    notification_send(user_id=..., event="fraud_alert", data={...}, title="...", message="...")

The row is written in the caller's transaction (so it commits or rolls back with the fact it
reports); after the commit the outbox pushes exactly the rows stored, in one hop, and a sweeper
re-sends any a crash left unpushed (notifications/outbox.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.models import User
from notifications.models import Notification
from notifications.outbox import notification_payload, outbox_push_after_commit
from securebank import sql


@dataclass(frozen=True)
class Outgoing:
    """One event for one user: stored as a Notification (`store`) and pushed after commit.
    An event not stored is live only: lost if the push is, and never re-sent."""

    user_id: int
    event: str
    data: dict[str, Any]
    title: str = ""
    message: str = ""
    store: bool = True


def notification_send(
    *, user_id: int, event: str, data: dict[str, Any], title: str = "", message: str = "", store: bool = True
) -> Notification | None:
    return notifications_send([Outgoing(user_id, event, data, title, message, store)])[0]


def notifications_send(outgoing: list[Outgoing]) -> list[Notification | None]:
    """Store the notifications in one INSERT, in the caller's transaction, and push them all
    after commit in one hop. Each pushed event of a stored row carries its `notification_id`."""
    payloads = [_payload(item) for item in outgoing]
    rows = [
        Notification(user_id=item.user_id, event=item.event, title=item.title[:120], message=item.message[:500], data=payload)
        if item.store else None
        for item, payload in zip(outgoing, payloads, strict=True)
    ]
    sql.insert([row for row in rows if row is not None])  # one INSERT ... RETURNING the ids
    events = [
        (item.user_id, item.event, payload if row is None else notification_payload(row))
        for item, payload, row in zip(outgoing, payloads, rows, strict=True)
    ]
    outbox_push_after_commit(events, [None if row is None else row.pk for row in rows])
    return rows


def _payload(item: Outgoing) -> dict[str, Any]:
    payload = dict(item.data)
    if item.title:
        payload.setdefault("title", item.title)
    if item.message:
        payload.setdefault("message", item.message)
    return payload


def notifications_mark_read(*, user: User, ids: list[int] | None = None, all: bool = False) -> int:  # noqa: A002
    """Mark the caller's notifications read: the given ids (others' ids are ignored) or all.
    Returns how many changed from unread to read."""
    from django.utils import timezone

    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if not all:
        qs = qs.filter(pk__in=ids or [])
    return qs.update(read_at=timezone.now())
