"""One-off: settle the idempotency keys that the claim-first release left unanswered, so that the
code no longer needs a path for them.

That release committed a claim (`in_progress`, no answer) before running the request and stored
the answer in a later transaction; today's code commits key, money and answer together, so a
committed `in_progress` row exists only from that release. Keys live 24 hours; for each such row:

- older than that: deleted (a retry is a new request, as for any expired key);
- no linked transaction: deleted. No money moved; a retry runs the request afresh, as the
  take-over of a dead claim did. (Run the migration after the old release's processes stopped.)
- a linked transaction: the money moved and only the answer was lost. The answer is rebuilt from
  the transaction, as the replay did (201 completed, 202 held, 422 declined), and stored, so a
  retry replays it and pays nothing twice. The endpoint-specific extras of the first answer
  (`qr_id`, `request`) are not rebuilt; a voice payment's `intent` is.

On a database the claim-first release never served there is nothing to do.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def settle_claim_first_keys(apps, schema_editor):
    IdempotencyKey = apps.get_model("ledger", "IdempotencyKey")
    unanswered = IdempotencyKey.objects.filter(state="in_progress")
    expired = timezone.now() - timedelta(hours=max(settings.IDEMPOTENCY_KEY_TTL_HOURS, 24))
    unanswered.filter(created_at__lt=expired).delete()
    unanswered.filter(transaction__isnull=True).delete()
    linked = list(unanswered.select_related("user"))
    if not linked:
        return
    # Only on a database with such rows, whose schema is this release's: the answer is the
    # presenters' own, so a retry gets exactly what a replay gave.
    from django.contrib.auth import get_user_model

    from ledger.presenters import transaction_replay
    from securebank.errors import DomainError

    users = get_user_model().objects.in_bulk({row.user_id for row in linked})
    for row in linked:
        try:
            status, body = transaction_replay(user=users[row.user_id], transaction_id=row.transaction_id)
        except DomainError as exc:  # a declined payment: 422, as the first answer was
            status, body = exc.status_code, exc.as_body()
        if row.scope == "voice.execute":
            body = {"intent": "pay", **body}
        IdempotencyKey.objects.filter(pk=row.pk).update(
            state="completed", response_status=status, response_body=body, updated_at=timezone.now()
        )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_transaction_summary_indexes")]

    operations = [migrations.RunPython(settle_claim_first_keys, migrations.RunPython.noop)]
