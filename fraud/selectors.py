"""Fraud reads: alerts, the model registry, and the ledger history the rules look at.

The ledger's Transaction table is read here and never written (holds move through
`ledger.services.hold_complete` / `hold_release`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from fraud.exceptions import AlertNotFound
from fraud.features import FEATURES
from fraud.models import FraudAlert, FraudModel
from fraud.registry import active_models
from ledger.models import Transaction
from ledger.risk import TransferContext
from securebank import sql
from securebank.money import TWO_PLACES, format_amount

# Kinds a customer initiates (deposits and reversals are the bank's own postings).
CUSTOMER_KINDS = tuple(
    str(k) for k in (Transaction.Kind.TRANSFER, Transaction.Kind.PAYMENT, Transaction.Kind.QR_PAYMENT,
                     Transaction.Kind.VOICE_PAYMENT, Transaction.Kind.REQUEST_PAYMENT)
)
MOVED = (str(Transaction.Status.COMPLETED), str(Transaction.Status.HELD))


@dataclass(frozen=True)
class Velocity:
    hour_count: int
    hour_amount: Decimal
    day_count: int  # capped at the `limit` asked for
    day_amount: Decimal  # of the rows counted
    day_capped: bool  # more rows in the day than `limit`


# The two rule queries run inside every transfer's locks: hand-written SQL (securebank.sql), because
# building them through the ORM costs several times more than running them (bench/fraud_score.py).
_VELOCITY_SQL = (
    "SELECT {amount}, {created_at} >= %s FROM {table} WHERE {payer_account} = %s AND {created_at} >= %s "
    "AND {kind} IN ({kinds}) AND {status} IN (%s, %s) ORDER BY {created_at} DESC LIMIT %s"
)
_PAID_BEFORE_SQL = "SELECT 1 FROM {table} WHERE {payer_account} = %s AND {payee_account} = %s AND {status} = %s LIMIT 1"


def outgoing_velocity(*, payer_account_id: int, hour_since: datetime, day_since: datetime, limit: int) -> Velocity:
    """The payer's completed or held customer transfers since `day_since`, newest first, at most
    `limit` of them (a rule needs no more to know its threshold is passed). One query on the
    (payer_account, created_at) index; the sums are exact Decimals added here."""
    adapt = connection.ops.adapt_datetimefield_value
    statement = sql.model_sql(Transaction, _VELOCITY_SQL.replace("{kinds}", ", ".join(["%s"] * len(CUSTOMER_KINDS))))
    params = [adapt(hour_since), payer_account_id, adapt(day_since), *CUSTOMER_KINDS, *MOVED, limit + 1]
    rows = sql.fetch_all(statement, params)
    capped = len(rows) > limit
    rows = rows[:limit]
    zero = Decimal("0.00")
    amounts = [Decimal(str(amount)).quantize(TWO_PLACES) for amount, _ in rows]
    in_hour = [amount for amount, (_, recent) in zip(amounts, rows, strict=True) if recent]
    return Velocity(
        hour_count=len(in_hour), hour_amount=sum(in_hour, zero),
        day_count=len(rows), day_amount=sum(amounts, zero), day_capped=capped,
    )


def has_paid_before(*, payer_account_id: int, payee_account_id: int) -> bool:
    params = [payer_account_id, payee_account_id, str(Transaction.Status.COMPLETED)]
    return sql.fetch_one(sql.model_sql(Transaction, _PAID_BEFORE_SQL), params) is not None


def expired_hold_ids(*, now: datetime) -> list[Any]:
    return list(
        Transaction.objects.filter(status=Transaction.Status.HELD, hold_expires_at__lte=now)
        .order_by("hold_expires_at")
        .values_list("pk", flat=True)
    )


def alerts_visible_to(*, user: Any, status: str | None = None) -> QuerySet[FraudAlert]:
    """Staff see every alert; a customer sees the alerts on their own payments."""
    qs = FraudAlert.objects.select_related("transaction__payer_account", "transaction__payee_account__owner", "user", "reviewed_by")
    if not user.is_staff:
        qs = qs.filter(user=user)
    if status:
        qs = qs.filter(status=status)
    return qs


def alert_get(*, alert_id: int) -> FraudAlert:
    try:
        return FraudAlert.objects.select_related("transaction", "user").get(pk=alert_id)
    except (FraudAlert.DoesNotExist, ValueError, TypeError) as exc:
        raise AlertNotFound() from exc


def model_active() -> FraudModel | None:
    return FraudModel.objects.filter(is_active=True).first()


def model_get(*, version: str) -> FraudModel | None:
    return FraudModel.objects.filter(version=version).first()


def model_status() -> dict[str, Any]:
    """The active model as an operator (or a client) needs to see it. Health first: it loads
    the model when needed, so `loaded` reflects whether this process can actually serve it."""
    from fraud.scoring import model_health  # scoring imports the rules, which import this module

    state, detail = model_health()
    row = model_active()
    metrics = row.metrics if row else {}
    return {
        "active": row is not None,
        "version": row.version if row else None,
        "trained_at": row.trained_at if row else None,
        "data_source": row.data_source if row else None,
        "rows": row.rows if row else None,
        "metrics": (
            {**metrics.get("test", {}), "validation_auprc": metrics.get("validation_auprc"),
             "dest_features_comparison": metrics.get("dest_features_comparison")}
            if row else None
        ),
        "threshold": settings.FRAUD_THRESHOLD,
        "block_threshold": settings.FRAUD_BLOCK_THRESHOLD,
        "fail_open_limit": format_amount(settings.FRAUD_FAIL_OPEN_LIMIT),
        "features": list(row.features) if row else list(FEATURES),
        "loaded": row is not None and active_models.loaded_version() == row.version,
        "health": {"status": state, "detail": detail},
    }


def transfer_context_prospective(*, payer_account: Any, payee_account: Any, amount: Decimal, kind: str, at: datetime) -> TransferContext:
    """What the ledger would show the scorer for this transfer now (no locks: a preview)."""
    return TransferContext(
        payer_user_id=payer_account.owner_id, payee_user_id=payee_account.owner_id,
        payer_account_id=payer_account.pk, payee_account_id=payee_account.pk,
        amount=amount, kind=kind, channel="api",
        payer_balance=payer_account.balance, payer_available=payer_account.available,
        payee_balance=payee_account.balance, at=at,
    )
