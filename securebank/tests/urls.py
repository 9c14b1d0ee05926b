"""Test-only routes (used with `@pytest.mark.urls("securebank.tests.urls")`): views that fail in
the ways a real view might, on top of the real URL map."""

from __future__ import annotations

from collections.abc import AsyncIterator

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from securebank.errors import Conflict
from securebank.money import MoneyField
from securebank.serializers import StrictSerializer
from securebank.urls import urlpatterns as real_urlpatterns

# Included in every failure, so a test can prove none of it reaches the client.
LEAK = "postgres://bank:hunter2@db.internal/securebank"


class ExplodingView(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        raise RuntimeError(f"boom: could not connect to {LEAK}")

    def post(self, request: Request) -> Response:
        # A database error carrying SQL text.
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_securebank WHERE secret = 'hunter2'")
        return Response({})


class KeyErrorView(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response({"value": {}["missing_" + LEAK]})


def plain_django_exploding(request: HttpRequest) -> HttpResponse:
    raise ValueError(f"plain view failed with {LEAK}")


def plain_django_forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("no")


def plain_django_not_found(request: HttpRequest) -> HttpResponse:
    raise Http404(f"no such thing at {LEAK}")


def plain_django_bad_request(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(f"weird input near {LEAK}")


def plain_django_html_error(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"<h1>Bad</h1><pre>{LEAK}</pre>", status=400, content_type="text/html")


class StaffOnlyView(APIView):
    permission_classes = [IsAdminUser]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class EchoInput(StrictSerializer):
    amount = MoneyField()
    note = serializers.CharField(max_length=20, required=False)
    count = serializers.IntegerField(required=False)


class EchoView(APIView):
    """Parses a body the way every money-moving view does and echoes the parsed amount."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    def post(self, request: Request) -> Response:
        data = EchoInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"amount": str(data.validated_data["amount"])})


def plain_json_ok(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


class WriteThenFailView(APIView):
    """Writes with no atomic block of its own, then refuses: what set_rollback() is for."""

    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        from accounts.models import User

        User.objects.create(username="half", email="half@example.in", vpa="half@securebank")
        raise Conflict("Nope.")



def plain_stream(request: HttpRequest) -> StreamingHttpResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for chunk in (b"one,", b"two,", b"three"):
            yield chunk

    return StreamingHttpResponse(chunks(), content_type="text/plain")


urlpatterns = [
    path("test/write-then-fail", WriteThenFailView.as_view()),
    path("test/stream", plain_stream),
    path("test/explode", ExplodingView.as_view()),
    path("test/keyerror", KeyErrorView.as_view()),
    path("test/plain-explode", plain_django_exploding),
    path("test/plain-forbidden", plain_django_forbidden),
    path("test/plain-html-error", plain_django_html_error),
    path("test/plain-not-found", plain_django_not_found),
    path("test/plain-bad-request", plain_django_bad_request),
    path("test/staff-only", StaffOnlyView.as_view()),
    path("test/echo", EchoView.as_view()),
    path("test/plain-ok", plain_json_ok),
    *real_urlpatterns,
]

handler400 = "securebank.middleware.json_400"
handler403 = "securebank.middleware.json_403"
handler404 = "securebank.middleware.json_404"
handler500 = "securebank.middleware.json_500"
