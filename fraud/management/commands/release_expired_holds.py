"""`manage.py release_expired_holds [--loop --interval S]`: release holds past FRAUD_HOLD_TTL_HOURS
(a worker: securebank.management.loop)."""

from __future__ import annotations

from fraud.services import expired_holds_release
from securebank.management.loop import LoopCommand


class Command(LoopCommand):
    help = "Release held transactions whose review period has passed (nothing moves; the payer is told)."
    worker = "release_expired_holds"
    default_interval = 300.0
    idle_message = "released 0 hold(s)"

    def run_once(self) -> str | None:
        released = expired_holds_release()
        return f"released {released} hold(s)" if released else None
