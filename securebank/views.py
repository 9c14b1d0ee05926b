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

logger = logging.getLogger(__name__)


class HealthView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="Health: database, channel layer and the fraud model",
        responses={
            200: inline_serializer("Health", {"status": serializers.CharField(), "checks": serializers.DictField()}),
            503: OpenApiResponse(description="A dependency is unreachable."),
        },
    )
    def get(self, request: Request) -> Response:
        report: dict[str, Any] = health.health_report()
        return Response(report, status=503 if report["status"] == "unavailable" else 200)
