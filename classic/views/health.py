"""Classic health: the project's health report; the app reads only `response.ok`."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from classic.views.base import PublicView
from securebank import health


class HealthView(PublicView):
    def get(self, request: Request) -> Response:
        report = health.health_report()
        if report["status"] == "unavailable":
            down = sorted(name for name, check in report["checks"].items() if check["status"] == "down")
            return Response({**report, "success": False, "error": f"Unavailable: {', '.join(down)}.",
                             "code": "service_unavailable"}, status=503)
        return Response(report)
