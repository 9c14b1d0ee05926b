"""Shared OpenAPI pieces: the one error shape, with examples, for every status."""

from __future__ import annotations

import copy

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorDetail = inline_serializer(
    "ErrorDetail",
    {
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "fields": serializers.DictField(),
    },
)
ErrorBody = inline_serializer("Error", {"error": ErrorDetail})


def error_response(description: str, code: str, message: str) -> OpenApiResponse:
    return OpenApiResponse(
        response=ErrorBody,
        description=description,
        examples=[OpenApiExample(code, value={"error": {"code": code, "message": message, "fields": {}}})],
    )


ERRORS = {
    400: error_response("Invalid input", "validation_error", "The request is invalid."),
    401: error_response("Not authenticated", "not_authenticated", "Authentication credentials were not provided."),
    403: error_response("Forbidden", "permission_denied", "You do not have permission to perform this action."),
    404: error_response("Not found (or not yours)", "not_found", "Not found."),
    409: error_response("Conflict", "idempotency_conflict", "This Idempotency-Key was used with a different request."),
    413: error_response("Too large", "request_too_large", "The request body is too large."),
    429: error_response("Throttled", "throttled", "Request was throttled. Expected available in 42 seconds."),
}



SERVICE_UNAVAILABLE = {
    "description": (
        "The database is unreachable (restart, failover): nothing was done; retry shortly, with the "
        "same Idempotency-Key for money-moving requests. Carries Retry-After."
    ),
    "content": {
        "application/json": {
            "schema": {"$ref": "#/components/schemas/Error"},
            "examples": {
                "service_unavailable": {
                    "value": {"error": {"code": "service_unavailable", "message": "The service is temporarily unavailable.", "fields": {}}}
                }
            },
        }
    },
}


def postprocess_required_bodies(result: dict, generator: object, request: object, public: bool) -> dict:
    """A body whose schema demands one of its fields (oneOf / anyOf of `required`) must be sent:
    drf-spectacular marks a body required only when one field is, so an empty request looked
    valid to a client reading the schema (the server answers it 400)."""
    schemas = result.get("components", {}).get("schemas", {})
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if not body or body.get("required"):
                continue
            for media in body.get("content", {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                schema = schemas.get(ref.rsplit("/", 1)[-1], {}) if ref else media.get("schema", {})
                if "oneOf" in schema or "anyOf" in schema:
                    body["required"] = True
    return result


def postprocess_service_unavailable(result: dict, generator: object, request: object, public: bool) -> dict:
    """Every operation can answer 503 while the database is down (securebank.errors): say so once
    here rather than on every view."""
    if "Error" not in result.get("components", {}).get("schemas", {}):
        return result
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("503", SERVICE_UNAVAILABLE)
    return result


# --- The schema says what the API accepts (so a fuzzer's "valid" data is valid) ---------------
# These register with drf-spectacular when this module is imported (every app's views import it).
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension  # noqa: E402


class StrictSerializerExtension(OpenApiSerializerExtension):
    """StrictSerializer refuses unknown fields: `additionalProperties: false`. Its
    `exactly_one_of` / `at_least_one_of` (checked by its validate()) become `oneOf` / `anyOf` of
    `required`, and a trimmed text field that may not be blank gets NON_BLANK."""

    target_class = "securebank.serializers.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):  # drf-spectacular's signature
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction == "request":
            schema["additionalProperties"] = False
            if self.target.exactly_one_of:
                schema["oneOf"] = [{"required": [name]} for name in self.target.exactly_one_of]
            if self.target.at_least_one_of:
                schema["anyOf"] = [{"required": [name]} for name in self.target.at_least_one_of]
            if self.target.one_of_schemas:
                # A deep copy: drf-spectacular's enum hook rewrites nested enums in place into
                # $refs, which would leave the class attribute pointing at another run's component.
                schema["oneOf"] = copy.deepcopy(list(self.target.one_of_schemas))
            for name, field in self.target.fields.items():
                prop = schema.get("properties", {}).get(name)
                if prop is not None and _trimmed_and_not_blank(field) and not _constrained(prop):
                    prop["pattern"] = NON_BLANK
        return schema


def _constrained(schema: dict) -> bool:
    """Whether a string schema already says what it accepts (a pattern, an enum or a format)."""
    return bool({"pattern", "enum", "format"} & set(schema))


def _trimmed_and_not_blank(field: object) -> bool:
    return (type(field) is serializers.CharField and field.trim_whitespace and not field.allow_blank
            and not getattr(field, "_spectacular_annotation", None))


def _integers_below(limit: str) -> list[str]:
    """Regex alternatives for the integers 1 .. limit-1 written without leading zeros."""
    alternatives = [rf"[1-9]\d{{0,{len(limit) - 2}}}"] if len(limit) > 1 else []
    for i, digit in enumerate(limit):
        lowest = 1 if i == 0 else 0
        if int(digit) > lowest:
            rest = len(limit) - i - 1
            alternatives.append(limit[:i] + f"[{lowest}-{int(digit) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    return alternatives


def _digit_at_most(digit: int) -> str:
    return f"[0-{digit}]" if digit else "0"


def _fractions_at_most(limit: str) -> str:
    """Regex for ".x" / ".xy" whose value is at most ".<limit>" (two digits)."""
    tens, units = int(limit[0]), int(limit[1])
    one = _digit_at_most(tens)
    two = [f"{tens}{_digit_at_most(units)}"] + ([f"{_digit_at_most(tens - 1)}\\d"] if tens else [])
    return rf"\.(?:{one}|{'|'.join(two)})"


def money_pattern(*, maximum: object, allow_zero: bool) -> str:
    """The regex of securebank.money.parse_amount: at most two places, zero refused unless
    allowed, and no value above `maximum` (checked digit by digit, so "100000.01" is out)."""
    from decimal import Decimal

    whole, fraction = f"{Decimal(str(maximum)).quantize(Decimal('0.01'))}".split(".")
    any_fraction = r"(?:\.\d{1,2})?"
    alternatives = [f"(?:{alt}){any_fraction}" for alt in _integers_below(whole)] if whole != "0" else []
    if whole != "0":
        alternatives.append(f"{whole}(?:{_fractions_at_most(fraction)})?")
    if allow_zero:
        alternatives.append(rf"0{any_fraction}")
    else:
        alternatives.append(r"0\.(?:0[1-9]|[1-9]\d?)")
    return f"^(?:{'|'.join(alternatives)})$"


class MoneyFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "securebank.money.MoneyField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        from django.conf import settings

        maximum = self.target.maximum if self.target.maximum is not None else settings.MAX_TRANSFER_AMOUNT
        schema = {"type": "string", "format": "decimal", "example": "500.00"}
        if direction == "request":
            schema["pattern"] = money_pattern(maximum=maximum, allow_zero=self.target.allow_zero)
            schema["description"] = f"Decimal string, at most two places, above zero, at most {maximum}."
        return schema


class PinFieldExtension(OpenApiSerializerFieldExtension):
    """accounts.serializers.PinField: 4 or 6 ASCII digits."""

    target_class = "accounts.serializers.PinField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        # drf-spectacular adds the blank alternative itself (oneOf) where allow_blank is set.
        return {"type": "string", "pattern": "^(?:[0-9]{4}|[0-9]{6})$"}


NO_NUL = r"^[^\x00]*$"  # DRF's CharField refuses NUL characters (PostgreSQL cannot store them)
# What str.strip() removes (DRF trims text fields, then refuses a blank one), spelled out: the
# regex `\s` of JSON Schema (ECMA) and of Python differ on \x1c-\x1f, \x85 and \ufeff.
_STRIPPED = "".join(
    rf"\u{code:04x}" if code > 0xFF else rf"\x{code:02x}"
    for code in range(0x3001) if chr(code).isspace()
)
NON_BLANK = rf"^[^\x00]*[^\x00{_STRIPPED}][^\x00]*$"


def _refuse_nul(schema: dict) -> None:
    if schema.get("type") == "string" and not _constrained(schema):
        schema["pattern"] = NO_NUL
    for child in (schema.get("properties") or {}).values():
        _refuse_nul(child)
    if isinstance(schema.get("items"), dict):
        _refuse_nul(schema["items"])


def postprocess_input_strings(result: dict, generator: object, request: object, public: bool) -> dict:
    """Free-text inputs (request bodies and query parameters) say that NUL is refused."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            _refuse_nul(schema)
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and isinstance(parameter.get("schema"), dict):
                    query = parameter["schema"]
                    # Query serializers trim text and refuse a blank value (minLength 1).
                    if query.get("type") == "string" and query.get("minLength", 0) >= 1 and not _constrained(query):
                        query["pattern"] = NON_BLANK
                    _refuse_nul(query)
            if "requestBody" in operation:
                # Any body can be malformed (not JSON, bad multipart): 400 malformed_request.
                operation["responses"].setdefault("400", {
                    "description": "Malformed or invalid request",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                })
            if any(p.get("name") == "cursor" for p in operation.get("parameters", [])):
                # DRF's CursorPagination answers an undecodable cursor with 404 "Invalid cursor".
                operation["responses"].setdefault("404", {
                    "description": "Invalid cursor",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                })
    return result
