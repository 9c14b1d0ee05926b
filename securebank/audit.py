"""Write an audit row in the caller's transaction (so the row and the change commit together)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Model

from securebank.models import AuditEvent

if TYPE_CHECKING:
    from accounts.models import User


def audit_record(*, actor: User | None, action: str, obj: Model, before: dict | None = None, after: dict | None = None, note: str = "") -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before or {},
        after=after or {},
        note=note,
    )
