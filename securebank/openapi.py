"""Shared OpenAPI pieces: the one error shape, with examples, for every status."""

from __future__ import annotations

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
    """StrictSerializer refuses unknown fields: `additionalProperties: false`."""

    target_class = "securebank.serializers.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):  # drf-spectacular's signature
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema


def money_pattern(*, maximum: object, allow_zero: bool) -> str:
    """The regex of securebank.money.parse_amount, with zero excluded unless allowed and the
    integer digits bounded by the maximum's."""
    digits = len(str(int(maximum))) if maximum is not None else 16
    whole = rf"[1-9]\d{{0,{digits - 1}}}(?:\.\d{{1,2}})?"
    if allow_zero:
        return rf"^(?:0(?:\.\d{{1,2}})?|{whole})$"
    return rf"^(?:{whole}|0\.(?:0[1-9]|[1-9]\d?))$"


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


NO_NUL = r"^[^\x00]*$"  # DRF's CharField refuses NUL characters (PostgreSQL cannot store them)


def _refuse_nul(schema: dict) -> None:
    if schema.get("type") == "string" and not ({"pattern", "enum", "format"} & set(schema)):
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
                    _refuse_nul(parameter["schema"])
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
