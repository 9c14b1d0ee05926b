"""Fraud writes: scoring in the payment path, alerts, operator review, expiry of holds.

`risk_assessor` implements ledger.risk.RiskAssessor (settings.LEDGER_RISK_ASSESSOR):
- `assess(context)` runs inside the transfer's atomic block with both accounts locked and
  returns the decision (fraud.scoring.transaction_score: model + behaviour + policy, failing closed);
- `record(transaction=, verdict=)` runs in the same block after the Transaction row is written:
  a hold raises a FraudAlert and tells the payer (stored notification + `fraud_alert` push after
  commit). The ledger itself stores score, decision, model version and reasons on the row.

A held transaction ends one of three ways, each in one durable transaction with an audit row and
a notification to the payer: approved by an operator (`alert_review`, the funds move), rejected
by one (released, nothing moves), or released when FRAUD_HOLD_TTL_HOURS pass unreviewed
(`expired_holds_release`, `manage.py release_expired_holds`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from fraud.exceptions import AlertAlreadyReviewed, AlertNotFound, ReviewNotAllowed
from fraud.models import FraudAlert
from fraud.scoring import FraudScore, risk_level, transaction_score
from ledger.exceptions import TransactionNotFound, TransactionStateConflict
from ledger.models import Transaction
from ledger.risk import RiskVerdict, TransferContext
from ledger.selectors import expired_hold_ids, transaction_with_payee
from ledger.services import hold_complete, hold_release
from notifications.services import notification_send
from securebank import clock
from securebank.audit import audit_record
from securebank.money import format_amount, format_rupees

logger = logging.getLogger("fraud.services")

__all__ = [
    "FraudScore", "alert_review", "expired_holds_release", "risk_assessor", "transaction_score",
]

ReviewAction = Literal["approve", "reject"]


class FraudAssessor:
    """The ledger's risk hook. Thread-safe: no state of its own (the model cache locks)."""

    def assess(self, context: TransferContext) -> RiskVerdict:
        score = transaction_score(context=context)
        return RiskVerdict(
            decision=score.decision,
            score=score.probability,
            model_version=score.model_version,
            reasons=list(score.reasons),
            details={"risk_level": score.risk_level, "rules": score.rules, "degraded": score.degraded,
                     "model_probability": score.model_probability, "operator_reasons": list(score.operator_reasons)},
        )

    def record(self, *, transaction: Transaction, verdict: RiskVerdict) -> None:
        if verdict.decision == "hold":
            alert_create(transaction=transaction, verdict=verdict)


risk_assessor = FraudAssessor()


def _payee_name(txn: Transaction) -> str:
    owner = txn.payee_account.owner
    return owner.display_name if owner is not None else "SecureBank"


def _alert_data(alert: FraudAlert, txn: Transaction) -> dict[str, Any]:
    return {
        "alert_id": alert.pk,
        "transaction_id": str(txn.pk),
        "reference": txn.reference,
        "amount": format_amount(txn.amount),
        "status": alert.status,
        "risk_level": alert.risk_level,
        "reasons": list(alert.reasons),
        "hold_expires_at": clock.timestamp(txn.hold_expires_at),
    }


def alert_create(*, transaction: Transaction, verdict: RiskVerdict) -> FraudAlert:
    """Raise the alert for a just-held transaction and tell the payer (caller's transaction)."""
    alert = FraudAlert.objects.create(
        transaction=transaction,
        user_id=transaction.payer_account.owner_id,
        score=None if verdict.score is None else Decimal(str(round(verdict.score, 5))),
        risk_level=verdict.details.get("risk_level") or risk_level(verdict.score),
        model_version=verdict.model_version,
        reasons=list(verdict.reasons),
        operator_reasons=list(verdict.details.get("operator_reasons") or []),
    )
    if alert.user_id is not None:
        notification_send(
            user_id=alert.user_id,
            event="fraud_alert",
            data=_alert_data(alert, transaction),
            title="Payment held for review",
            message=(
                f"Your payment of {format_rupees(transaction.amount)} to {_payee_name(transaction)} is on hold "
                "while we check it. The money is reserved, not sent."
            ),
        )
    return alert


_OUTCOME_TEXT = {
    FraudAlert.Status.APPROVED: ("Held payment approved", "was approved after review and has been sent."),
    FraudAlert.Status.REJECTED: (
        "Held payment stopped", "was stopped after review and not sent; the reserved money is available again."
    ),
    FraudAlert.Status.EXPIRED: (
        "Held payment released",
        "was not reviewed in time, so it was not sent; the reserved money is available again.",
    ),
}


def _notify_outcome(alert: FraudAlert, txn: Transaction) -> None:
    if alert.user_id is None:
        return
    title, tail = _OUTCOME_TEXT[alert.status]
    notification_send(
        user_id=alert.user_id,
        event="fraud_alert",
        data=_alert_data(alert, txn),
        title=title,
        message=f"Your payment of {format_rupees(txn.amount)} to {_payee_name(txn)} {tail}",
    )


def alert_review(*, alert_id: int, actor: User, action: ReviewAction, note: str = "") -> FraudAlert:
    """An operator approves (the held funds move to the payee) or rejects (they are released).

    One durable transaction: lock the alert, complete or release the hold through the ledger,
    close the alert, write the audit row, notify the payer (after commit).
    """
    if not getattr(actor, "is_staff", False):
        raise ReviewNotAllowed()
    if action not in ("approve", "reject"):
        raise ValueError("action must be approve or reject")
    note = (note or "").strip()[:500]
    with transaction.atomic(durable=True):
        try:
            alert = FraudAlert.objects.select_for_update().get(pk=alert_id)
        except (FraudAlert.DoesNotExist, ValueError, TypeError) as exc:
            raise AlertNotFound() from exc
        if alert.status != FraudAlert.Status.OPEN:
            raise AlertAlreadyReviewed(f"This alert is already {alert.status}.", status=alert.status)
        if action == "approve":
            txn = hold_complete(transaction_id=alert.transaction_id, note=note or "Approved after fraud review.")
            alert.status = FraudAlert.Status.APPROVED
        else:
            txn = hold_release(transaction_id=alert.transaction_id, reason=note or "Rejected after fraud review.")
            alert.status = FraudAlert.Status.REJECTED
        alert.reviewed_by = actor
        alert.reviewed_at = timezone.now()
        alert.review_note = note
        alert.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        audit_record(
            actor=actor, action=f"fraud.alert.{action}", obj=alert,
            before={"status": FraudAlert.Status.OPEN, "transaction_status": Transaction.Status.HELD},
            after={"status": alert.status, "transaction_status": txn.status, "transaction": str(txn.pk)},
            note=note,
        )
        _notify_outcome(alert, transaction_with_payee(transaction_id=txn.pk))
    return alert


def hold_expire(*, transaction_id: UUID, now: datetime) -> bool:
    """Release one hold whose time is up (durable). False when it was no longer due (reviewed
    meanwhile, or not held any more): safe to re-run, safe beside a reviewing operator."""
    with transaction.atomic(durable=True):
        alert = FraudAlert.objects.select_for_update().filter(transaction_id=transaction_id).first()
        if alert is not None and alert.status != FraudAlert.Status.OPEN:
            return False
        try:
            txn = hold_release(transaction_id=transaction_id, reason="Released: not reviewed in time.")
        except (TransactionStateConflict, TransactionNotFound):
            return False
        if alert is None:  # a hold raised without an alert (another assessor): just release it
            audit_record(actor=None, action="fraud.hold.expire", obj=txn, before={"status": "held"},
                         after={"status": txn.status})
            return True
        alert.status = FraudAlert.Status.EXPIRED
        alert.reviewed_at = now
        alert.review_note = "Not reviewed within the hold period."
        alert.save(update_fields=["status", "reviewed_at", "review_note"])
        audit_record(
            actor=None, action="fraud.alert.expire", obj=alert,
            before={"status": FraudAlert.Status.OPEN, "transaction_status": Transaction.Status.HELD},
            after={"status": alert.status, "transaction_status": txn.status, "transaction": str(txn.pk)},
            note="hold period elapsed",
        )
        _notify_outcome(alert, transaction_with_payee(transaction_id=txn.pk))
    return True


def expired_holds_release(*, now: datetime | None = None) -> int:
    """Release every hold past `hold_expires_at`; returns how many were released."""
    now = now or timezone.now()
    released = 0
    for transaction_id in expired_hold_ids(now=now):
        if hold_expire(transaction_id=transaction_id, now=now):
            released += 1
    if released:
        logger.info("released %d expired fraud hold(s)", released)
    return released
