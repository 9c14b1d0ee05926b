"""Project-level endpoints: health."""

from __future__ import annotations

import logging
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from securebank import health
from securebank.errors import error_body
from securebank.openapi import ErrorDetail

logger = logging.getLogger(__name__)


class HealthView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="Health: database, channel layer and the fraud model",
        responses={
            200: inline_serializer("Health", {"status": serializers.CharField(), "checks": serializers.DictField()}),
            503: OpenApiResponse(
                response=inline_serializer(
                    "HealthUnavailable",
                    {"status": serializers.CharField(), "checks": serializers.DictField(), "error": ErrorDetail},
                ),
                description="A dependency is unreachable: the report plus the common error object.",
            ),
        },
    )
    def get(self, request: Request) -> Response:
        report: dict[str, Any] = health.health_report()
        if report["status"] == "unavailable":
            # Still the report (monitoring reads the checks), plus the one error shape.
            down = sorted(name for name, check in report["checks"].items() if check["status"] == "down")
            body = {**report, **error_body("service_unavailable", f"Unavailable: {', '.join(down)}.")}
            return Response(body, status=503)
        return Response(report)
