"""`manage.py expire_requests [--loop --interval 60]`: expire pending money requests past their
expiry, notifying both parties. Safe to re-run and to run beside the server (rows that an
accept is holding are skipped; requests are also expired when read or acted on). A worker:
securebank.management.loop."""

from __future__ import annotations

from payments.services import money_requests_expire
from securebank.management.loop import LoopCommand


class Command(LoopCommand):
    help = "Expire pending money requests whose expiry has passed, notifying both parties."
    worker = "expire_requests"
    default_interval = 60.0
    idle_message = "0 request(s) expired"

    def run_once(self) -> str | None:
        count = money_requests_expire()
        return f"{count} request(s) expired" if count else None
