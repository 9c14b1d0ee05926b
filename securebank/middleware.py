"""Keeps Django's own error pages (404, 405, 500, CSRF, oversize bodies) in the one JSON shape.

DRF views already answer through `errors.api_exception_handler`; this covers everything that
never reaches DRF: unknown URLs, non-DRF views and exceptions raised outside a view.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse

from securebank.errors import database_unavailable, database_unavailable_response, error_response

logger = logging.getLogger("securebank.errors")

_STATUS_CODES = {
    400: ("bad_request", "The request could not be understood."),
    401: ("not_authenticated", "Authentication credentials were not provided."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "Method not allowed."),
    413: ("request_too_large", "The request body is too large."),
    429: ("throttled", "Too many requests."),
    503: ("service_unavailable", "The service is temporarily unavailable."),
    500: ("server_error", "An unexpected error occurred. It has been logged."),
}


def _is_api(request: HttpRequest) -> bool:
    """Everything but the admin (HTML for people, with its own error pages) answers in JSON,
    a missing /static/ file included."""
    return not request.path.startswith("/admin/")


class JsonErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not _is_api(request) or response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith("application/json"):
            return response
        code, message = _STATUS_CODES.get(response.status_code, ("error", "The request could not be completed."))
        replaced = error_response(response.status_code, code, message)
        # Keep the original's headers (Allow, Retry-After, WWW-Authenticate, Vary, cookies...),
        # only the body and its description change.
        for header, value in response.items():
            if header.lower() not in {"content-type", "content-length", "content-disposition", "content-language"}:
                replaced[header] = value
        replaced.cookies = response.cookies
        return replaced

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _is_api(request):
            return None
        if isinstance(exception, RequestDataTooBig):
            return error_response(413, *_STATUS_CODES[413])
        if database_unavailable(exception):
            return database_unavailable_response()
        if isinstance(exception, Http404 | PermissionDenied | BadRequest | SuspiciousOperation):
            # Client errors, not crashes: Django answers them through handler400/403/404
            # (JSON, see urls.py), and __call__ above reshapes its DEBUG pages.
            return None
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500, *_STATUS_CODES[500])


def json_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(404, *_STATUS_CODES[404])


def json_500(request: HttpRequest) -> HttpResponse:
    return error_response(500, *_STATUS_CODES[500])


def json_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(400, *_STATUS_CODES[400])


def json_403(request: HttpRequest, exception: Exception | None = None, reason: str = "") -> HttpResponse:
    return error_response(403, *_STATUS_CODES[403])
