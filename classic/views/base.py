"""The base of every classic view: the project's JWT auth and permissions, the classic error shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from classic.errors import classic_exception_handler, flatten


class ClassicView(APIView):
    # Not in the OpenAPI schema: it describes SecureBank's own API and its one error shape, and a
    # client generated from it must not mix in the classic contract (documented in docs/clients.md).
    schema = None

    def get_exception_handler(self) -> Callable[..., Any]:
        return classic_exception_handler


class PublicView(ClassicView):
    permission_classes = [AllowAny]
    authentication_classes: list = []


def classic_response(response: Response) -> Response:
    """A response built by a shared helper (idempotency replays, stored refusals) in the
    project's shape: flatten its error, keep status and headers."""
    response.data = flatten(response.data)
    return response


class NotFoundView(PublicView):
    """Unknown paths under the classic prefix: 404 in the classic shape, whatever the method."""

    def _not_found(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({"success": False, "error": "Not found.", "code": "not_found", "fields": {}}, status=404)

    get = post = put = patch = delete = _not_found
