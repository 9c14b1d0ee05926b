"""`manage.py purge_idempotency_keys [--hours H]`: delete keys older than the retention (>= 24 h)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ledger.idempotency import idempotency_keys_purge


class Command(BaseCommand):
    help = "Remove idempotency keys older than IDEMPOTENCY_KEY_TTL_HOURS (never younger than 24 h)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--hours", type=int, default=settings.IDEMPOTENCY_KEY_TTL_HOURS)

    def handle(self, *args, **options) -> None:
        if options["hours"] < 24:
            raise CommandError("keys are kept at least 24 hours")
        deleted = idempotency_keys_purge(older_than=timedelta(hours=options["hours"]))
        self.stdout.write(f"purged {deleted} idempotency key(s) older than {options['hours']} h")
