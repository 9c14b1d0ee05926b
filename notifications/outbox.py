"""The notification outbox: stored notifications are pushed after commit, and re-sent when a
push was lost.

1. A service writes its Notification rows in the transaction of the fact they report (the
   money's, for a payment), so they commit with it or not at all.
2. After the commit, `outbox_push_after_commit` sends exactly those rows (nothing is built
   after the commit) to each user's Channels group, in one hop, and acknowledges the ones
   the channel layer took by setting `pushed_at`. Acknowledgements are batched per process
   (OUTBOX_ACK_SECONDS): one UPDATE a second instead of one commit per payment.
3. `outbox_sweep` (`manage.py push_outbox --loop`) re-sends rows still unpushed
   OUTBOX_SWEEP_AFTER_SECONDS after they were written: a crash between the commit and the
   push, a channel layer that was down, a process that died before its acknowledgement.

Delivery is therefore at least once: a row is marked only after it was sent, so a crash
between the two sends it again. Every stored event carries `notification_id` for the client to
drop a repeat. Live-only events (`balance_update`) are not stored and never re-sent.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from notifications.models import Notification
from securebank.notify import Event, event_check, events_send_not_rollback_safe

logger = logging.getLogger(__name__)


def outbox_push_after_commit(events: list[Event], notification_ids: list[int | None]) -> None:
    """After the caller's transaction commits, push `events` in one hop and acknowledge the
    stored ones (`notification_ids[i]` is event i's row, None for a live-only event). A
    rolled-back transaction pushes nothing, and its rows are gone with it."""
    event_check(events)
    if events:
        transaction.on_commit(lambda: _push_committed(events, notification_ids), robust=True)


def _push_committed(events: list[Event], notification_ids: list[int | None]) -> None:
    sent = events_send_not_rollback_safe(events)
    _acks.add([pk for pk, ok in zip(notification_ids, sent, strict=True) if pk is not None and ok])


def outbox_mark_pushed(ids: list[int]) -> int:
    """Record that the rows `ids` were handed to the channel layer (one UPDATE)."""
    if not ids:
        return 0
    return Notification.objects.filter(pk__in=ids, pushed_at__isnull=True).update(pushed_at=timezone.now())


class _AckBuffer:
    """This process's acknowledgements not yet written. With OUTBOX_ACK_SECONDS > 0 a thread
    writes them in one UPDATE that many seconds after the first arrives (and at exit); at 0
    each push writes its own at once. Ids lost with the process are re-sent by the sweeper,
    which the clients drop by `notification_id`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: list[int] = []
        self._thread: threading.Thread | None = None

    def add(self, ids: list[int]) -> None:
        if not ids:
            return
        delay = settings.OUTBOX_ACK_SECONDS
        if delay <= 0:
            outbox_mark_pushed(ids)
            return
        with self._lock:
            self._ids.extend(ids)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, args=(delay,), name="outbox-acks", daemon=True)
                self._thread.start()

    def _run(self, delay: float) -> None:
        while True:
            time.sleep(delay)
            with self._lock:
                ids, self._ids = self._ids, []
                if not ids:
                    self._thread = None  # the next add() starts another
                    return
            self._write(ids)

    def flush(self) -> None:
        with self._lock:
            ids, self._ids = self._ids, []
        self._write(ids)

    @staticmethod
    def _write(ids: list[int]) -> None:
        if not ids:
            return
        try:
            outbox_mark_pushed(ids)
        except Exception:  # they stay unpushed: the sweeper re-sends them
            logger.warning("could not acknowledge %d pushed notification(s)", len(ids), exc_info=True)
        finally:
            connection.close()  # this thread's own connection (back to the pool, if any)


_acks = _AckBuffer()
atexit.register(_acks.flush)


def outbox_sweep(*, older_than: timedelta | None = None, batch: int = 200) -> int:
    """Push stored notifications still unpushed `older_than` (default OUTBOX_SWEEP_AFTER_SECONDS)
    after they were written, oldest first, and mark those the channel layer took. Returns how
    many were sent.

    Each batch is one transaction holding its rows FOR UPDATE SKIP LOCKED, so two sweepers
    never send the same row at once; the push happens before the mark commits (a crash in
    between sends it again: at least once). Rows the layer refused stay for the next run."""
    age = timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS) if older_than is None else older_than
    cutoff = timezone.now() - age
    total = 0
    while True:
        with transaction.atomic(durable=True):
            rows = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(pushed_at__isnull=True, created_at__lte=cutoff)
                .order_by("created_at", "id")[:batch]
            )
            sent = events_send_not_rollback_safe([(row.user_id, row.event, notification_payload(row)) for row in rows])
            done = [row.pk for row, ok in zip(rows, sent, strict=True) if ok]
            outbox_mark_pushed(done)
        total += len(done)
        if len(rows) < batch or len(done) < len(rows):  # the end, or the layer is failing: next run
            return total


def notification_payload(row: Notification) -> dict[str, Any]:
    """The event data of a stored notification, as first pushed: its data with its id."""
    return {**row.data, "notification_id": row.pk}
