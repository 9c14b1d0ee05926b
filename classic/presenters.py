"""Classic answers: the project's own outputs with money as JSON numbers.

Money stays Decimal everywhere inside SecureBank; it becomes a float only here, as the JSON
number the classic app calls `.toFixed()` on. A two-place amount with at most 15 significant
digits (any balance below 10^13 rupees) survives that conversion exactly: the shortest repr of
the float is the decimal's own text, and JavaScript reads it back into the same double.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from accounts.models import User
from accounts.serializers import UserOutput
from ledger.selectors import account_summary_for_user
from securebank.money import TWO_PLACES

MONEY_KEYS = ("balance", "held", "available")
TRANSACTION_MONEY_KEYS = ("amount", "signed_amount", "balance_after")


def number(value: Decimal | str | None) -> float | None:
    """A decimal amount (Decimal or the project's two-place string) as a JSON number."""
    if value is None:
        return None
    return float(Decimal(value).quantize(TWO_PLACES))


def account_numbers(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    return {**summary, **{key: number(summary[key]) for key in MONEY_KEYS if key in summary}}


def user_answer(user: User) -> dict[str, Any]:
    """`user` as the classic app reads it (id, username, email, full_name, upi_id, phone), and
    the primary account once as `account` and once as `accounts[0]` (register reads the first,
    login and profile the second)."""
    body = dict(UserOutput(user).data)
    body.pop("account", None)
    account = account_numbers(account_summary_for_user(user=user))
    return {"user": body, "account": account, "accounts": [account] if account else []}


def transaction_numbers(txn: dict[str, Any] | None) -> dict[str, Any] | None:
    """A TransactionOutput with its amounts as numbers."""
    if not txn:
        return txn
    return {**txn, **{key: number(txn[key]) for key in TRANSACTION_MONEY_KEYS if txn.get(key) is not None}}
