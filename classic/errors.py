"""The classic app's error shape: `{"error": "<readable sentence>", "code": ..., "fields": ...}`.

The classic web app shows `new Error(data.error)`, so `error` must be a string. Every error is
first rendered by the project's one handler (`securebank.errors.api_exception_handler`), then
flattened here: the code, status and rollback stay exactly what `/api/` would give.
"""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response

from securebank.errors import api_exception_handler


def readable(error: dict[str, Any]) -> str:
    """One sentence for a person: the message followed by the field problems, if any. The
    generic "The request is invalid." of a validation error is dropped: its fields say more."""
    message = str(error.get("message") or "The request could not be completed.")
    fields = error.get("fields") or {}
    if not isinstance(fields, dict) or not fields:
        return message
    parts = [] if error.get("code") == "validation_error" else [message]
    for name, problems in fields.items():
        text = " ".join(str(p) for p in problems) if isinstance(problems, list) else str(problems)
        parts.append(text if name == "non_field_errors" else f"{name.replace('_', ' ')}: {text}")
    return " ".join(parts)


# Messages that name an /api/ path the classic app's user never sees.
CLASSIC_MESSAGES = {"pin_not_set": "Set a UPI PIN first (Profile, Security PIN)."}


def flatten(body: Any) -> Any:
    """`{"error": {code, message, fields, ...}}` -> `{"error": str, "code", "fields", ...}`;
    any other body is returned unchanged."""
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return body
    error = body["error"]
    flat = {k: v for k, v in body.items() if k != "error"}
    flat.update({k: v for k, v in error.items() if k != "message"})
    flat["error"] = CLASSIC_MESSAGES.get(error.get("code"), None) or readable(error)
    flat["success"] = False
    return flat


def classic_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = api_exception_handler(exc, context)
    if response is not None:
        response.data = flatten(response.data)
    return response
