"""Ledger reads. Ownership is checked here: another user's transaction does not exist (404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db import connection
from django.db.models import Case, Count, DecimalField, F, Max, OuterRef, Q, QuerySet, Subquery, Value, When

from ledger.exceptions import AccountNotFound, TransactionNotFound
from ledger.models import Account, Entry, Transaction
from securebank import sql
from securebank.money import TWO_PLACES, format_amount

if TYPE_CHECKING:
    from accounts.models import User

# Which transactions are a customer's payments: the one rule, used by the daily limit, the fraud
# features and the recent payees alike. Deposits and reversals are the bank's own postings.
CUSTOMER_PAYMENT_KINDS = (
    Transaction.Kind.TRANSFER, Transaction.Kind.PAYMENT, Transaction.Kind.QR_PAYMENT,
    Transaction.Kind.VOICE_PAYMENT, Transaction.Kind.REQUEST_PAYMENT,
)
# A payment that moved money or reserves it; a declined attempt moved nothing.
MOVED_STATUSES = (Transaction.Status.COMPLETED, Transaction.Status.HELD)
_MOVED = tuple(str(status) for status in MOVED_STATUSES)  # as SQL parameters


def account_for_user(*, user: User) -> Account:
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


def account_summary_for_user(*, user: User) -> dict[str, Any] | None:
    account = Account.objects.filter(owner=user, is_primary=True).first()
    return account_summary(account) if account else None


def account_primary_exists(*, user: User) -> bool:
    """Whether `user` has a primary account, i.e. can receive payments (staff have none)."""
    return Account.objects.filter(owner=user, is_primary=True).exists()


# Inside every transfer's locks: SQL by hand because building the ORM aggregate cost five times
# running it (bench/results_transfers.md). The sum is exact on both databases: numeric on
# PostgreSQL, whole paise on SQLite (whose SUM over a decimal column would add floats). The kinds
# are written as the complement of CUSTOMER_PAYMENT_KINDS (the same rows, the statement as tuned).
_NOT_CUSTOMER_PAYMENT_KINDS = tuple(str(kind) for kind in Transaction.Kind if kind not in CUSTOMER_PAYMENT_KINDS)
_DAILY_OUTGOING_SQL = (
    "SELECT {total} FROM {table} WHERE {payer_account} = %s AND {created_at} >= %s "
    "AND {status} IN (%s, %s) AND {kind} NOT IN ({not_customer_kinds})"
)


@lru_cache(maxsize=4)
def _daily_outgoing_sql(vendor: str) -> str:
    amount = "{amount}"
    total = f"SUM(CAST(ROUND({amount} * 100) AS INTEGER))" if vendor == "sqlite" else f"SUM({amount})"
    kinds = ", ".join(["%s"] * len(_NOT_CUSTOMER_PAYMENT_KINDS))
    return sql.model_sql(Transaction, _DAILY_OUTGOING_SQL.replace("{total}", total).replace("{not_customer_kinds}", kinds))


def daily_outgoing_total(*, account_id: int, since: datetime) -> Decimal:
    """The total of `customer_outgoing_payments` (completed and held; not deposits, reversals or
    declined attempts) since `since`."""
    params = [
        account_id, connection.ops.adapt_datetimefield_value(since), *_MOVED, *_NOT_CUSTOMER_PAYMENT_KINDS,
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


def transactions_for_user(*, user: User) -> QuerySet[Transaction]:
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
    user: User,
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


def transaction_get_for_user(*, user: User, transaction_id: UUID) -> Transaction:
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


def counterparty_owner_ids(*, user: User) -> QuerySet:
    """Ids of the customers the caller has paid or been paid by (any status: a declined payment
    still shows who they meant to pay), as a subquery for `pk__in`. Reads the (payer_account,
    created_at) and (payee_account, created_at) indexes, which carry the other side's account."""
    mine = Account.objects.filter(owner=user).values("pk")
    paid_to = Account.objects.filter(pk__in=Transaction.objects.filter(payer_account__in=mine).values("payee_account"))
    paid_by = Account.objects.filter(pk__in=Transaction.objects.filter(payee_account__in=mine).values("payer_account"))
    return (paid_to | paid_by).filter(owner__isnull=False).values("owner")


def transaction_with_payee(*, transaction_id: UUID) -> Transaction:
    """The transaction with its payee account and owner (to name the payee)."""
    return Transaction.objects.select_related("payee_account__owner").get(pk=transaction_id)


def expired_hold_ids(*, now: datetime) -> list[UUID]:
    """Held transactions whose hold expired at or before `now`, the oldest expiry first."""
    return list(
        Transaction.objects.filter(status=Transaction.Status.HELD, hold_expires_at__lte=now)
        .order_by("hold_expires_at")
        .values_list("pk", flat=True)
    )


# --- Customer payments ---------------------------------------------------------------------------
# Reads for the fraud app's behaviour features (fraud.behaviour) and the payments app's recent
# payees. The ledger owns the queries on its tables; the other apps only read their results.
def _customer_outgoing(**payer: User | int) -> QuerySet[Transaction]:
    return Transaction.objects.filter(kind__in=CUSTOMER_PAYMENT_KINDS, status__in=MOVED_STATUSES, **payer)


def customer_outgoing_payments(*, account_id: int) -> QuerySet[Transaction]:
    """The account's customer payments that moved or reserve money (completed or held; not
    deposits, reversals or declined attempts), newest first, on the (payer_account, created_at)
    index."""
    return _customer_outgoing(payer_account_id=account_id).order_by("-created_at")


@dataclass(frozen=True)
class PaidCustomer:
    user_id: int
    last_paid_at: datetime
    count: int


def _recent_customers(payments: QuerySet[Transaction], *, other: str, user: User, limit: int) -> list[PaidCustomer]:
    """The active customers other than `user` on the `other` side ("payer" / "payee") of
    `payments`, most recent first (then by id), with how often."""
    owner = f"{other}_account__owner"
    rows = (
        payments.filter(**{f"{owner}__isnull": False, f"{owner}__is_active": True})
        .exclude(**{owner: user})
        .values(owner)
        .annotate(last_paid_at=Max("created_at"), count=Count("id"))
        .order_by("-last_paid_at", owner)[:limit]
    )
    return [PaidCustomer(user_id=row[owner], last_paid_at=row["last_paid_at"], count=row["count"]) for row in rows]


def customer_payees_recent(*, user: User, limit: int) -> list[PaidCustomer]:
    """The customers `user`'s accounts paid (`customer_outgoing_payments`)."""
    return _recent_customers(_customer_outgoing(payer_account__owner=user), other="payee", user=user, limit=limit)


def customer_payers_recent(*, user: User, limit: int) -> list[PaidCustomer]:
    """The customers who paid `user`'s accounts (completed customer payments, as
    `customer_incoming_payments`: not deposits or reversals)."""
    return _recent_customers(_customer_incoming(payee_account__owner=user), other="payer", user=user, limit=limit)


def _customer_incoming(**payee: User | int) -> QuerySet[Transaction]:
    return Transaction.objects.filter(kind__in=CUSTOMER_PAYMENT_KINDS, status=Transaction.Status.COMPLETED, **payee)


def customer_incoming_payments(*, account_id: int) -> QuerySet[Transaction]:
    """Completed customer payments into the account, newest first, on the (payee_account,
    created_at) index."""
    return _customer_incoming(payee_account_id=account_id).order_by("-created_at")


# The same rows as the querysets above, as SQL by hand: fraud scoring runs these inside every
# transfer's locks, where building the ORM statements cost ~2 ms of CPU against ~0.1 ms each for
# running them (bench/results_fraud.md).
_PAID_PAYEE_SQL = (
    "SELECT 1 FROM {table} WHERE {payer_account} = %s AND {payee_account} = %s AND {kinds_in} "
    "AND {status} IN (%s, %s) LIMIT %s"
)
_NEW_PAYERS_SQL = (
    "SELECT {payer_account} FROM {table} WHERE {payee_account} = %s AND {kinds_in} AND {status} = %s "
    "AND {payer_account} IN (SELECT {payer_account} FROM {table} WHERE {payee_account} = %s AND {created_at} >= %s "
    "AND {kinds_in} AND {status} = %s LIMIT %s) GROUP BY {payer_account} HAVING MIN({created_at}) >= %s"
)
# One round trip for what every decision reads: the payer's last payments (part 0), the sum of
# what came in during the last hour (part 1: one row, summed here, however busy the account)
# and both accounts' opening dates (part 2).
_DECISION_READS_SQL = (
    "SELECT * FROM (SELECT 0, {amount}, {payee_account}, {epoch:created_at} FROM {table} WHERE {payer_account} = %s "
    "AND {kinds_in} AND {status} IN (%s, %s) ORDER BY {created_at} DESC LIMIT %s) AS recent "
    "UNION ALL SELECT 1, SUM({amount}), NULL, NULL FROM {table} WHERE {payee_account} = %s "
    "AND {created_at} >= %s AND {kinds_in} AND {status} = %s "
    "UNION ALL SELECT 2, NULL, {account_id}, {epoch:account_created_at} FROM {account_table} WHERE {account_id} IN (%s, %s)"
)
# Timestamps come back as seconds since the epoch (a float): parsing 50 timestamps per decision
# cost more CPU than running the statement.
_EPOCH = {
    "sqlite": "((julianday({column}) - 2440587.5) * 86400.0)",
    "postgresql": "CAST(EXTRACT(EPOCH FROM {column}) AS DOUBLE PRECISION)",
}
_KIND_VALUES = tuple(str(k) for k in CUSTOMER_PAYMENT_KINDS)


def _transaction_sql(template: str) -> str:
    kinds_in = "{kind} IN (" + ", ".join(["%s"] * len(CUSTOMER_PAYMENT_KINDS)) + ")"
    return sql.model_sql(Transaction, template.replace("{kinds_in}", kinds_in))


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(TWO_PLACES)


def customer_payments_to_payee(*, account_id: int, payee_account_id: int, cap: int) -> int:
    """How many of `customer_outgoing_payments` went to this payee, counted up to `cap`."""
    statement = _transaction_sql(_PAID_PAYEE_SQL)
    return len(sql.fetch_all(statement, [account_id, payee_account_id, *_KIND_VALUES, *_MOVED, cap]))


def payee_new_payers_since(*, account_id: int, since: datetime, limit: int = 200) -> set[int]:
    """Payers whose first `customer_incoming_payments` row into the account is at or after `since`
    (looked for among at most `limit` payers of that period), in one statement."""
    params = [account_id, *_KIND_VALUES, str(Transaction.Status.COMPLETED),
              account_id, connection.ops.adapt_datetimefield_value(since), *_KIND_VALUES,
              str(Transaction.Status.COMPLETED), limit, connection.ops.adapt_datetimefield_value(since)]
    return {payer for (payer,) in sql.fetch_all(_transaction_sql(_NEW_PAYERS_SQL), params)}


@dataclass(frozen=True)
class DecisionReads:
    recent_outgoing: list[tuple[Decimal, int, datetime]]  # newest first
    incoming_total: Decimal  # of customer payments in since `incoming_since`
    opened_at: dict[int, datetime]


@lru_cache(maxsize=4)
def _decision_reads_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    account_names = {"account_table": quote(Account._meta.db_table), "account_id": quote("id"),
                     "account_created_at": quote(Account._meta.get_field("created_at").column)}
    template = _DECISION_READS_SQL
    epoch = _EPOCH[vendor]
    template = template.replace("{epoch:created_at}", epoch.replace("{column}", "{created_at}"))
    template = template.replace("{epoch:account_created_at}", epoch.replace("{column}", "{account_created_at}"))
    for name, value in account_names.items():
        template = template.replace("{" + name + "}", value)
    return _transaction_sql(template)


def customer_decision_reads(*, account_id: int, payee_account_id: int, limit: int, incoming_since: datetime) -> DecisionReads:
    """In one statement: the last `limit` rows of `customer_outgoing_payments`, the sum of
    `customer_incoming_payments` since `incoming_since`, and when both accounts were opened."""
    kinds = list(_KIND_VALUES)
    params = [
        account_id, *kinds, *_MOVED, limit,
        account_id, connection.ops.adapt_datetimefield_value(incoming_since), *kinds, str(Transaction.Status.COMPLETED),
        account_id, payee_account_id,
    ]
    recent, incoming, opened = [], _money(0), {}
    for part, amount, other, seconds in sql.fetch_all(_decision_reads_sql(connection.vendor), params):
        if part == 1:
            incoming = _money(amount or 0)  # SUM of no rows is NULL
            continue
        at = datetime.fromtimestamp(round(seconds, 3), UTC)  # SQLite's julianday keeps milliseconds
        if part == 0:
            recent.append((_money(amount), other, at))
        else:
            opened[other] = at
    recent.sort(key=lambda row: row[2], reverse=True)  # a UNION does not promise the inner order
    return DecisionReads(recent_outgoing=recent, incoming_total=incoming, opened_at=opened)
