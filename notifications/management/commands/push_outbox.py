"""`manage.py push_outbox [--loop --interval 2]`: re-send stored notifications whose push was
lost (a crash between the commit and the push, a channel layer that was down). Safe to re-run
and to run several at once (rows are taken FOR UPDATE SKIP LOCKED); at least once, so clients
drop repeats by `notification_id`. A worker: securebank.management.loop."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from notifications.outbox import outbox_sweep
from securebank.management.loop import LoopCommand

IN_MEMORY_LAYER = "channels.layers.InMemoryChannelLayer"


class Command(LoopCommand):
    help = "Re-send stored notifications still unpushed a few seconds after their commit."
    worker = "push_outbox"
    default_interval = 2.0
    idle_message = "0 notification(s) re-sent"

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND") == IN_MEMORY_LAYER:
            # This process's in-memory layer reaches no server's sockets: a push from here would
            # be marked sent and reach nobody. The rows stay in GET /api/notifications.
            self.stdout.write("push_outbox: nothing to do without a shared channel layer (set REDIS_URL)")
            return
        super().handle(*args, **options)

    def run_once(self) -> str | None:
        count = outbox_sweep()
        return f"{count} notification(s) re-sent" if count else None
