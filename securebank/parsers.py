"""JSON parsing that keeps money exact and bounds what a client can make the server do."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONDecimal(Decimal):
    """A JSON number written with a fraction or an exponent, as a Decimal that remembers its
    text (`literal`): `1.5e1` and `15` are equal numbers, but only one is an acceptable amount
    (see `securebank.money.parse_amount`). Arithmetic on it gives plain Decimals."""

    __slots__ = ("literal",)

    def __new__(cls, literal: str) -> JSONDecimal:
        number = super().__new__(cls, literal)
        number.literal = literal
        return number

    def __copy__(self) -> JSONDecimal:
        return self

    def __deepcopy__(self, memo: dict) -> JSONDecimal:
        return self

    def __reduce__(self) -> tuple:
        return (type(self), (self.literal,))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


class JSONParser(parsers.JSONParser):
    """Like DRF's, but numbers with a fraction or exponent become Decimal (never float), NaN and
    Infinity are refused, a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 (DRF reads the JSON
    stream without Django's limit) and pathological nesting is a 400, not a crash."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding") or settings.DEFAULT_CHARSET
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
        try:
            text = raw.decode(encoding)
            return json.loads(text, parse_float=JSONDecimal, parse_constant=_reject_constant)
        except (ValueError, LookupError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise ParseError("JSON parse error") from exc
