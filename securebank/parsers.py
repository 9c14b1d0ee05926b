"""JSON parsing that keeps money exact."""

from __future__ import annotations

import codecs
import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


class JSONParser(parsers.JSONParser):
    """Like DRF's, but numbers with a fraction or exponent become Decimal, never float,
    and NaN/Infinity are refused."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            decoded = codecs.getreader(encoding)(stream)
            return json.load(decoded, parse_float=Decimal, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError("JSON parse error") from exc
