"""Project-level endpoints: health (liveness, readiness, the full report)."""

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

_STATES = ["ok", "degraded", "unavailable"]


class HealthCheckOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "degraded", "down"])
    detail = serializers.CharField()


def _checks() -> serializers.DictField:
    # A fresh child each time: DRF binds a field instance to one parent.
    return serializers.DictField(child=HealthCheckOutput())


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
    description="The database is unreachable: the report plus the common error object.",
)


def _answer(report: dict[str, Any]) -> Response:
    if report["status"] == "unavailable":
        # Still the report (monitoring reads the checks), plus the one error shape.
        down = health.down_critical(report)
        body = {**report, **error_body("service_unavailable", f"Unavailable: {', '.join(down)}.")}
        return Response(body, status=503, headers={"Retry-After": "5"})
    return Response(report)


class _Public(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []


class HealthView(_Public):
    @extend_schema(
        summary="Health, full report: every dependency (database, channel layer, fraud model, miner...)",
        description=(
            "For operators and monitoring. 200 with status `ok`, or `degraded` when a dependency "
            "the money path can do without is down or lagging (Redis, the fraud model, the "
            "miner); 503 `service_unavailable` only when the database is unreachable. A load "
            "balancer should ask /api/health/ready instead."
        ),
        responses={200: _Report, 503: _Unavailable},
    )
    def get(self, request: Request) -> Response:
        return _answer(health.health_report())


class ReadyView(_Public):
    @extend_schema(
        summary="Readiness: can this process serve requests (the database answers)?",
        description="What a load balancer polls. Redis being down does not fail it: payments go on.",
        responses={200: _Report, 503: _Unavailable},
    )
    def get(self, request: Request) -> Response:
        return _answer(health.readiness_report())


class LiveView(_Public):
    @extend_schema(
        summary="Liveness: the process is up and answering (no dependency is checked)",
        description="What a supervisor polls to decide on a restart; a database outage is not a reason to restart.",
        responses={200: inline_serializer("Live", {"status": serializers.ChoiceField(choices=["ok"])})},
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})
