"""Fraud reads: alerts, the model registry, and scoring a prospective payment.

The ledger's tables are read only through `ledger.selectors` (here, in fraud.behaviour and in
fraud.services) and never written by this app (holds move through
`ledger.services.hold_complete` / `hold_release`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_find_by_phone, user_find_by_username, user_find_by_vpa
from fraud.exceptions import AlertNotFound
from fraud.features import FEATURES
from fraud.models import FraudAlert, FraudModel
from fraud.registry import active_models
from ledger.exceptions import PayeeNotFound, SelfTransfer
from ledger.models import Transaction
from ledger.risk import TransferContext
from ledger.selectors import account_find_by_number, account_for_user, account_primary_for_user_id
from securebank.money import format_amount

if TYPE_CHECKING:
    from fraud.scoring import FraudScore
    from ledger.models import Account


def alerts_visible_to(*, user: User, status: str | None = None) -> QuerySet[FraudAlert]:
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
    from fraud.scoring import model_health  # scoring imports the registry, which this module also uses

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


def transfer_context_prospective(*, payer_account: Account, payee_account: Account, amount: Decimal, kind: str, at: datetime) -> TransferContext:
    """What the ledger would show the scorer for this transfer now (no locks: a preview)."""
    return TransferContext(
        payer_user_id=payer_account.owner_id, payee_user_id=payee_account.owner_id,
        payer_account_id=payer_account.pk, payee_account_id=payee_account.pk,
        amount=amount, kind=kind, channel="api",
        payer_balance=payer_account.balance, payer_available=payer_account.available,
        payee_balance=payee_account.balance, at=at,
    )


def payment_check(
    *,
    payer: User,
    amount: Decimal,
    to_vpa: str | None = None,
    to_phone: str | None = None,
    to_username: str | None = None,
    to_account: str | None = None,
    kind: str = Transaction.Kind.PAYMENT,
) -> FraudScore:
    """Score a prospective payment exactly as the payment path would; nothing is stored (a
    read, hence here rather than in fraud.services)."""
    from fraud.scoring import transaction_score  # scoring imports the registry, which this module also uses

    if to_account:
        payee_account = account_find_by_number(number=to_account)
    else:
        if to_vpa:
            payee = user_find_by_vpa(vpa=to_vpa)
        elif to_phone:
            payee = user_find_by_phone(phone=to_phone)
        else:
            payee = user_find_by_username(username=to_username or "")
        payee_account = account_primary_for_user_id(user_id=payee.pk) if payee else None
    if payee_account is None:
        raise PayeeNotFound()
    payer_account = account_for_user(user=payer)
    if payer_account.pk == payee_account.pk:
        raise SelfTransfer()
    context = transfer_context_prospective(
        payer_account=payer_account, payee_account=payee_account, amount=amount, kind=kind, at=timezone.now()
    )
    return transaction_score(context=context)
