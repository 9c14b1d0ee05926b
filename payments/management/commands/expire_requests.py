"""`manage.py expire_requests`: expire pending money requests past their expiry (safe to re-run;
run it from cron or a loop — requests are also expired when read or acted on)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from payments.services import money_requests_expire


class Command(BaseCommand):
    help = "Expire pending money requests whose expiry has passed, notifying both parties."

    def handle(self, *args, **options) -> None:
        count = money_requests_expire()
        self.stdout.write(f"expire_requests: {count} request(s) expired")
