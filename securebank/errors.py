"""The one domain error type and the one JSON error shape.

Every error leaves SecureBank as
    {"error": {"code": "...", "message": "...", "fields": {...}}}
whether it was raised by a service (`DomainError` subclasses), by DRF (validation, auth,
throttling, parsing) or by Django itself (404, 405, 500 — see `middleware.JsonErrorMiddleware`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError, connections
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger("securebank.errors")


class DomainError(Exception):
    """Base for every business-rule failure. Apps subclass it in their `exceptions.py`."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code: str = "error"
    message: str = "The request could not be completed."

    def __init__(self, message: str | None = None, *, fields: dict[str, Any] | None = None, **extra: Any):
        self.message = message or self.message
        self.fields = fields or {}
        self.extra = extra
        super().__init__(self.message)

    def as_body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.fields, **self.extra)


class InvalidAmount(DomainError):
    code = "invalid_amount"
    message = "Amount must be a positive number with at most two decimal places."


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    message = "Not found."


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
    message = "The request conflicts with the current state."


class ServiceUnavailable(DomainError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "service_unavailable"
    message = "The service is temporarily unavailable. Retry shortly (with the same Idempotency-Key)."


RETRY_AFTER_SECONDS = 2


def database_unavailable(exc: BaseException) -> bool:
    """The database went away (restart, failover, network): not a bug, not the client's fault.
    Nothing was committed by the failed request, so a retry with the same Idempotency-Key is
    safe. An OperationalError on a connection that still works ("no such table", a lock
    timeout) is a bug or contention, not an outage: those stay 500s."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    connection = connections["default"]
    if connection.connection is None:
        return True  # it could not even connect
    try:
        return not connection.is_usable()
    except Exception:
        return True


def database_unavailable_response() -> JsonResponse:
    # Logged without the driver's text: it can name hosts and users.
    logger.warning("database unavailable: answering 503")
    response = JsonResponse(ServiceUnavailable().as_body(), status=ServiceUnavailable.status_code)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def error_body(code: str, message: str, fields: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message, "fields": fields or {}}
    body.update(extra)
    return {"error": body}


def error_response(status_code: int, code: str, message: str, fields: dict[str, Any] | None = None) -> JsonResponse:
    return JsonResponse(error_body(code, message, fields), status=status_code)


# DRF exception class -> stable code (DRF's own codes are mostly fine; these are renamed).
_DRF_CODES = {
    drf_exceptions.NotAuthenticated: "not_authenticated",
    drf_exceptions.AuthenticationFailed: "authentication_failed",
    drf_exceptions.PermissionDenied: "permission_denied",
    drf_exceptions.NotFound: "not_found",
    drf_exceptions.MethodNotAllowed: "method_not_allowed",
    drf_exceptions.NotAcceptable: "not_acceptable",
    drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
    drf_exceptions.Throttled: "throttled",
    drf_exceptions.ParseError: "malformed_request",
    drf_exceptions.ValidationError: "validation_error",
}


def _flatten(detail: Any) -> Any:
    """DRF ErrorDetail trees -> plain JSON (lists of strings per field)."""
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


def _validation_code(detail: Any) -> str | None:
    """If a serializer field raised a domain code (e.g. invalid_amount), surface it."""
    codes = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif hasattr(node, "code"):
            codes.append(node.code)

    walk(detail)
    for code in codes:
        if code in _PROMOTED_VALIDATION_CODES:
            return code
    return None


# Field-level codes that are part of the public contract rather than generic "invalid".
_PROMOTED_VALIDATION_CODES = {"invalid_amount", "invalid_phone", "invalid_vpa", "invalid_idempotency_key"}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF EXCEPTION_HANDLER: every exception becomes the one error shape, and rolls back."""
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(exc.as_body(), status=exc.status_code)

    if database_unavailable(exc):
        set_rollback()
        logger.warning("database unavailable in %s: answering 503", type(context.get("view")).__name__)
        return Response(
            ServiceUnavailable().as_body(), status=ServiceUnavailable.status_code,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        set_rollback()
        return Response(
            error_body("request_too_large", "The request body is too large."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    elif isinstance(exc, SuspiciousOperation):
        exc = drf_exceptions.ParseError("The request could not be parsed.")

    if isinstance(exc, drf_exceptions.APIException):
        set_rollback()
        headers: dict[str, str] = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
        fields: dict[str, Any] = {}
        if isinstance(exc, drf_exceptions.ValidationError):
            fields = _flatten(exc.detail) if isinstance(exc.detail, dict) else {"non_field_errors": _flatten(exc.detail)}
            code = _validation_code(exc.detail) or code
            message = "The request is invalid."
            if code != "validation_error":
                message = _first_message(exc.detail) or message
        elif isinstance(exc, drf_exceptions.ParseError):
            # Never echo the parser's text: it can quote the body back.
            message = "The request body is not valid JSON." if "JSON" in str(exc.detail) else "The request could not be parsed."
        else:
            message = str(exc.detail) if isinstance(exc.detail, str) else "The request could not be completed."
        if isinstance(exc, drf_exceptions.AuthenticationFailed | drf_exceptions.NotAuthenticated):
            message = str(exc.detail) if isinstance(exc.detail, str) else "Authentication failed."
            if isinstance(exc.detail, dict):
                message = "Token is invalid or expired."
        return Response(error_body(code, message, fields), status=exc.status_code, headers=headers)

    # Anything else is a bug: log it with the traceback server-side, never show it.
    logger.exception("Unhandled error in %s", context.get("view").__class__.__name__ if context.get("view") else "view")
    set_rollback()
    return Response(
        error_body("server_error", "An unexpected error occurred. It has been logged."),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _first_message(detail: Any) -> str | None:
    if isinstance(detail, dict):
        for value in detail.values():
            found = _first_message(value)
            if found:
                return found
    elif isinstance(detail, list):
        for value in detail:
            found = _first_message(value)
            if found:
                return found
    elif detail:
        return str(detail)
    return None
