"""Ledger reads. Ownership is checked here: another user's transaction does not exist (404)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import Case, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Value, When

from ledger.exceptions import AccountNotFound, TransactionNotFound
from ledger.models import Account, Entry, Transaction
from securebank import sql
from securebank.money import TWO_PLACES, format_amount


def account_for_user(*, user: Any) -> Account:
    account = Account.objects.filter(owner=user, is_primary=True).first()
    if account is None:
        raise AccountNotFound("You have no account.")
    return account


def account_summary(account: Account) -> dict[str, Any]:
    return {
        "account_number": account.number,
        "currency": account.currency,
        "balance": format_amount(account.balance),
        "held": format_amount(account.held),
        "available": format_amount(account.available),
        "status": account.status,
    }


def account_summary_for_user(*, user: Any) -> dict[str, Any] | None:
    account = Account.objects.filter(owner=user, is_primary=True).first()
    return account_summary(account) if account else None


# Inside every transfer's locks: SQL by hand because building the ORM aggregate cost five times
# running it (bench/results_transfers.md). The sum is exact on both databases: numeric on
# PostgreSQL, whole paise on SQLite (whose SUM over a decimal column would add floats).
_DAILY_OUTGOING_SQL = (
    "SELECT {total} FROM {table} WHERE {payer_account} = %s AND {created_at} >= %s "
    "AND {status} IN (%s, %s) AND {kind} NOT IN (%s, %s)"
)


@lru_cache(maxsize=4)
def _daily_outgoing_sql(vendor: str) -> str:
    amount = "{amount}"
    total = f"SUM(CAST(ROUND({amount} * 100) AS INTEGER))" if vendor == "sqlite" else f"SUM({amount})"
    return sql.model_sql(Transaction, _DAILY_OUTGOING_SQL.replace("{total}", total))


def daily_outgoing_total(*, account_id: int, since: datetime) -> Decimal:
    """Completed and held outgoing customer transfers (not deposits or reversals) since `since`."""
    params = [
        account_id, connection.ops.adapt_datetimefield_value(since),
        str(Transaction.Status.COMPLETED), str(Transaction.Status.HELD),
        str(Transaction.Kind.DEPOSIT), str(Transaction.Kind.REVERSAL),
    ]
    (total,) = sql.fetch_one(_daily_outgoing_sql(connection.vendor), params)
    if total is None:
        return Decimal("0.00")
    if connection.vendor == "sqlite":
        return Decimal(total).scaleb(-2)
    return Decimal(total).quantize(TWO_PLACES)


def account_payee_by_number(*, number: str) -> Account | None:
    """The customer account with this number, loaded as its id, number and owner only: enough
    to name a transfer's payee, which `transfer_create` reads in full under its lock."""
    statement = sql.model_sql(Account, "SELECT {id}, {number}, {owner} FROM {table} WHERE {number} = %s AND {kind} = %s")
    row = sql.fetch_one(statement, [number.strip(), str(Account.Kind.CUSTOMER)])
    return None if row is None else Account.from_db(connection.alias, ["id", "number", "owner_id"], row)


def account_find_by_number(*, number: str) -> Account | None:
    return Account.objects.filter(number=number.strip(), kind=Account.Kind.CUSTOMER).select_related("owner").first()


def transactions_for_user(*, user: Any) -> QuerySet[Transaction]:
    """The caller's transactions (as payer or payee), annotated from the caller's side:
    `my_account_id`, `signed_amount` and `my_balance_after`."""
    account_ids = list(Account.objects.filter(owner=user).values_list("pk", flat=True))
    my_entry = Entry.objects.filter(transaction=OuterRef("pk"), account_id__in=account_ids)
    money = DecimalField(max_digits=18, decimal_places=2)
    return (
        Transaction.objects.filter(Q(payer_account_id__in=account_ids) | Q(payee_account_id__in=account_ids))
        .select_related("payer_account__owner", "payee_account__owner")
        .annotate(
            is_outgoing=Case(When(payer_account_id__in=account_ids, then=Value(True)), default=Value(False)),
            signed_amount=Case(
                When(payer_account_id__in=account_ids, then=-F("amount")), default=F("amount"), output_field=money
            ),
            my_balance_after=Subquery(my_entry.values("balance_after")[:1], output_field=money),
        )
    )


def transaction_history(
    *,
    user: Any,
    direction: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    min_amount: Decimal | None = None,
    max_amount: Decimal | None = None,
) -> QuerySet[Transaction]:
    qs = transactions_for_user(user=user)
    if direction == "out":
        qs = qs.filter(is_outgoing=True)
    elif direction == "in":
        qs = qs.filter(is_outgoing=False)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if date_from:
        qs = qs.filter(created_at__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__lte=date_to)
    if min_amount is not None:
        qs = qs.filter(amount__gte=min_amount)
    if max_amount is not None:
        qs = qs.filter(amount__lte=max_amount)
    return qs


def transaction_get_for_user(*, user: Any, transaction_id: Any) -> Transaction:
    """The transaction if `user` is its payer or payee; otherwise TransactionNotFound (404)."""
    try:
        return transactions_for_user(user=user).get(pk=transaction_id)
    except (Transaction.DoesNotExist, ValueError, TypeError) as exc:
        raise TransactionNotFound() from exc


def counterparty(txn: Transaction, *, outgoing: bool) -> dict[str, Any]:
    account = txn.payee_account if outgoing else txn.payer_account
    owner = account.owner
    if owner is None:
        return {"name": "SecureBank", "vpa": None, "account_number": None}
    return {"name": owner.display_name, "vpa": owner.vpa, "username": owner.username,
            "account_number": mask_account_number(account.number)}


def mask_account_number(number: str) -> str:
    """Counterparties see the last four digits only."""
    return "X" * (len(number) - 4) + number[-4:]


def account_find_by_username(*, username: str) -> Account | None:
    return (
        Account.objects.filter(owner__username__iexact=username.strip(), owner__is_active=True, is_primary=True)
        .select_related("owner")
        .first()
    )


def account_primary_for_user_id(*, user_id: int) -> Account | None:
    return Account.objects.filter(owner_id=user_id, is_primary=True).select_related("owner").first()


# Reads for the fraud app's behaviour features (fraud.behaviour). The ledger owns the queries on
# its tables; the fraud app only reads their results.
CUSTOMER_PAYMENT_KINDS = (
    Transaction.Kind.TRANSFER, Transaction.Kind.PAYMENT, Transaction.Kind.QR_PAYMENT,
    Transaction.Kind.VOICE_PAYMENT, Transaction.Kind.REQUEST_PAYMENT,
)


def customer_outgoing_payments(*, account_id: int) -> QuerySet[Transaction]:
    """The account's customer payments that moved or reserve money (completed or held; not
    deposits, reversals or declined attempts), newest first, on the (payer_account, created_at)
    index."""
    return Transaction.objects.filter(
        payer_account_id=account_id, kind__in=CUSTOMER_PAYMENT_KINDS,
        status__in=(Transaction.Status.COMPLETED, Transaction.Status.HELD),
    ).order_by("-created_at")


def customer_incoming_payments(*, account_id: int) -> QuerySet[Transaction]:
    """Completed customer payments into the account, newest first, on the (payee_account,
    created_at) index."""
    return Transaction.objects.filter(
        payee_account_id=account_id, kind__in=CUSTOMER_PAYMENT_KINDS, status=Transaction.Status.COMPLETED,
    ).order_by("-created_at")


def accounts_opened_at(*, account_ids: list[int]) -> dict[int, datetime]:
    """When each account was opened, by id."""
    return dict(Account.objects.filter(pk__in=account_ids).values_list("pk", "created_at"))
