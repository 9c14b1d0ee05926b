"""Project-level endpoints: health (liveness, readiness, the full report). The checks' details
are for staff; anyone else gets the status alone (securebank.health.public_report)."""

from __future__ import annotations

import logging
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from securebank import health
from securebank.errors import error_body
from securebank.openapi import ErrorDetail

logger = logging.getLogger(__name__)

_STATES = ["ok", "degraded", "unavailable"]


class HealthCheckOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "degraded", "down"])
    detail = serializers.CharField()


def _checks() -> serializers.DictField:
    # A new field each time: DRF binds a field to one parent serializer.
    return serializers.DictField(child=HealthCheckOutput(), required=False,
                                 help_text="Staff only: every check with its detail. Absent for anyone else.")


_Report = inline_serializer("Health", {"status": serializers.ChoiceField(choices=_STATES), "checks": _checks()})
_Unavailable = OpenApiResponse(
    response=inline_serializer(
        "HealthUnavailable",
        {
            "status": serializers.ChoiceField(choices=["unavailable"]),
            "checks": _checks(),
            "error": ErrorDetail,
        },
    ),
    description="The database is unreachable: the status (and, for staff, the checks) plus the common error object.",
)


def _is_staff(request: Request) -> bool:
    """A valid staff token. A missing or bad one is simply not staff: a health check never
    answers 401, whatever header a load balancer or a stale client sends."""
    try:  # DRF's own authentication, run lazily here instead of in perform_authentication
        return bool(getattr(request.user, "is_staff", False))
    except APIException:
        return False


def _answer(request: Request, report: dict[str, Any]) -> Response:
    staff = _is_staff(request)
    body = report if staff else health.public_report(report)
    if report["status"] == "unavailable":
        # Still the report (monitoring reads it), plus the one error shape; the names of the
        # checks that are down only for staff.
        down = health.down_critical(report)
        message = f"Unavailable: {', '.join(down)}." if staff else "The service is temporarily unavailable."
        return Response({**body, **error_body("service_unavailable", message)}, status=503, headers={"Retry-After": "5"})
    return Response(body)


class _Public(APIView):
    permission_classes = [AllowAny]
    throttle_classes: list = []
    # The default authenticators, run lazily (_is_staff): a token only decides how much of the
    # report is shown.

    def perform_authentication(self, request: Request) -> None:
        """Nothing here: DRF would turn a bad token into a 401 (see _is_staff)."""


class HealthView(_Public):
    @extend_schema(
        summary="Health, full report: every dependency (database, channel layer, fraud model, miner...)",
        description=(
            "For operators and monitoring. 200 with status `ok`, or `degraded` when a dependency "
            "the money path can do without is down or lagging (Redis, the fraud model, the "
            "miner); 503 `service_unavailable` only when the database is unreachable. With a "
            "staff token the answer carries every check and its detail; anyone else sees the "
            "status alone. A load balancer should ask /api/health/ready instead."
        ),
        responses={200: _Report, 503: _Unavailable},
    )
    def get(self, request: Request) -> Response:
        return _answer(request, health.health_report())


class ReadyView(_Public):
    @extend_schema(
        summary="Readiness: can this process serve requests (the database answers)?",
        description=(
            "What a load balancer polls. Redis being down does not fail it: payments go on. The "
            "status alone, or with a staff token the critical checks too."
        ),
        responses={200: _Report, 503: _Unavailable},
    )
    def get(self, request: Request) -> Response:
        return _answer(request, health.readiness_report())


class LiveView(_Public):
    @extend_schema(
        summary="Liveness: the process is up and answering (no dependency is checked)",
        description="What a supervisor polls to decide on a restart; a database outage is not a reason to restart.",
        responses={200: inline_serializer("Live", {"status": serializers.ChoiceField(choices=["ok"])})},
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})
