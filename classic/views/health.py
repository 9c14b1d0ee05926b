"""Classic health: the project's health status; the app reads only `response.ok`. The checks and
their details are for staff, at /api/health (securebank.health.public_report)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from classic.views.base import PublicView
from securebank import health


class HealthView(PublicView):
    def get(self, request: Request) -> Response:
        report = health.public_report(health.health_report())
        if report["status"] == "unavailable":
            return Response({**report, "success": False, "error": "The service is temporarily unavailable.",
                             "code": "service_unavailable"}, status=503)
        return Response(report)
