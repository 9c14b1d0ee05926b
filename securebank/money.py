"""Money in and out: parsed once, exactly, into Decimal; rendered as two-place strings.

Never float: `securebank.parsers.JSONParser` reads JSON numbers with a fraction as Decimal,
keeping their exact text, so "10.10", 10.10 and 1e3 are told apart here. Floats are refused.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db.models import BigIntegerField, Func, Sum, Value
from django.db.models.functions import Coalesce
from rest_framework import serializers

from securebank.errors import InvalidAmount

TWO_PLACES = Decimal("0.01")
# Plain decimal notation only: digits, optional dot with 1-2 digits. No sign, no exponent.
_AMOUNT_RE = re.compile(r"^(?:0|[1-9]\d{0,15})(?:\.\d{1,2})?$", re.ASCII)  # ASCII: no "١٠٠"


def parse_amount(value: Any, *, maximum: Decimal | None = None, allow_zero: bool = False) -> Decimal:
    """Parse a client-supplied amount into a Decimal with two places, or raise InvalidAmount.

    Accepts strings like "500", "500.5", "500.50" and JSON numbers written the same way. Rejects booleans, NaN, Infinity, exponents,
    signs, empties, more than two decimals, zero (unless allow_zero) and values above `maximum`
    (default settings.MAX_TRANSFER_AMOUNT).
    """
    if isinstance(value, bool) or value is None:
        raise InvalidAmount()
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, Decimal):
        # JSON numbers arrive as JSONDecimal (securebank.parsers) carrying their text, so that
        # 1e3, 1.5e1 and 1e-2 fail like the strings would; str() of another Decimal keeps "1E+3".
        text = getattr(value, "literal", None) or str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise InvalidAmount()
    if not _AMOUNT_RE.match(text):
        raise InvalidAmount()
    try:
        amount = Decimal(text).quantize(TWO_PLACES)
    except InvalidOperation as exc:  # pragma: no cover - regex already guards
        raise InvalidAmount() from exc
    if amount == 0 and not allow_zero:
        raise InvalidAmount("Amount must be greater than zero.")
    limit = settings.MAX_TRANSFER_AMOUNT if maximum is None else maximum
    if amount > limit:
        raise InvalidAmount(f"Amount exceeds the per-transaction limit of {format_amount(limit)}.")
    return amount


def format_amount(value: Decimal | int | None) -> str | None:
    """Two-place string for responses (machine-readable, no grouping); None stays None."""
    if value is None:
        return None
    return str(Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_EVEN))


def format_rupees(value: Decimal | int | str) -> str:
    """Money for people (messages, notifications, admin, fraud reasons): the rupee sign and
    Indian digit grouping, the last three digits then pairs: 150000 -> '₹1,50,000.00'."""
    text = format_amount(value)
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, paise = text.partition(".")
    head, tail = whole[:-3], whole[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return f"{sign}₹" + ",".join([*groups, tail]) + "." + paise


class MoneyField(serializers.Field):
    """Serializer field for amounts: exact parsing in, two-place string out.

    Business limits beyond shape (per-transaction maximum) are applied here because they are
    the same for every money input; balances and daily limits are checked by services.
    """

    default_error_messages = {"invalid_amount": InvalidAmount.message}

    def __init__(self, *, maximum: Decimal | None = None, allow_zero: bool = False, **kwargs: Any):
        self.maximum = maximum
        self.allow_zero = allow_zero
        super().__init__(**kwargs)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is None and not self.allow_null:
            raise serializers.ValidationError(InvalidAmount.message, code="invalid_amount")
        return super().validate_empty_values(data)

    def to_internal_value(self, data: Any) -> Decimal:
        try:
            return parse_amount(data, maximum=self.maximum, allow_zero=self.allow_zero)
        except InvalidAmount as exc:
            raise serializers.ValidationError(exc.message, code="invalid_amount") from exc

    def to_representation(self, value: Decimal) -> str | None:
        return format_amount(value)


class Paise(Func):
    """A money column (or sum of one) as whole paise, an integer, exactly on both databases.

    SQLite stores a decimal column as a REAL and its SUM adds floats (9706.29 came back as
    9706.2899999...), so money is summed and compared as integers there: each stored REAL is
    the nearest double to a two-place amount, and ROUND(x * 100) recovers its paise exactly.
    PostgreSQL's numeric is exact already; the cast keeps one result type on both.
    """

    output_field = BigIntegerField()
    template = "CAST(%(expressions)s * 100 AS BIGINT)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        return super().as_sql(compiler, connection, template="CAST(ROUND(%(expressions)s * 100) AS INTEGER)", **extra)


def paise_sum(field: str, **extra: Any) -> Coalesce:
    """SUM of a money column in whole paise (0 over no rows): `Account.objects.annotate(
    total=paise_sum("entries__amount"))`; `from_paise` turns the result back into money."""
    return Coalesce(Sum(Paise(field), **extra), Value(0), output_field=BigIntegerField())


def from_paise(value: int | Decimal | None) -> Decimal:
    """Whole paise (an int, or a Decimal from PostgreSQL's SUM) as a two-place amount."""
    return Decimal(int(value or 0)).scaleb(-2).quantize(TWO_PLACES)
