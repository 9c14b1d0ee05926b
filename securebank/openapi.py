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
