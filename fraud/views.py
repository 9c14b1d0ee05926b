"""Fraud endpoints: check a prospective payment, list alerts, review one, model status."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from fraud import selectors, services
from fraud.serializers import AlertFilter, AlertOutput, CheckInput, ModelStatusOutput, ReviewInput, ScoreOutput
from securebank.openapi import ERRORS, error_response


class CheckView(APIView):
    # Throttled like payments: the endpoint must not become a free oracle for probing the model.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "payments"

    @extend_schema(
        summary="Score a prospective payment without moving money",
        description="The same scoring as a real payment (model, velocity and first-payee rules, "
        "the fail-closed rule without a model); nothing is stored.",
        request=CheckInput,
        responses={
            200: ScoreOutput,
            400: ERRORS[400],
            401: ERRORS[401],
            404: error_response("Payee not found", "payee_not_found", "No customer matches that payee."),
            429: ERRORS[429],
        },
        examples=[OpenApiExample("check", request_only=True, value={"to_vpa": "bob@securebank", "amount": "2500.00"})],
    )
    def post(self, request: Request) -> Response:
        data = CheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        score = selectors.payment_check(payer=request.user, **data.validated_data)
        return Response(ScoreOutput(score).data)


class AlertPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100


class AlertListView(APIView):
    pagination_class = AlertPagination  # documents the page envelope in the schema
    @extend_schema(
        summary="Fraud alerts: your own (staff: everyone's), newest first, filter by status",
        parameters=[AlertFilter],
        responses={200: AlertOutput(many=True), 400: ERRORS[400], 401: ERRORS[401]},
    )
    def get(self, request: Request) -> Response:
        filters = AlertFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.alerts_visible_to(user=request.user, status=filters.validated_data.get("status"))
        paginator = AlertPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(AlertOutput(page, many=True, context={"staff": request.user.is_staff}).data)


class AlertReviewView(APIView):
    # Staff only. Everyone else gets 403 before any lookup, so the answer reveals nothing about
    # which alert ids exist.
    permission_classes = [IsAdminUser]

    @extend_schema(
        summary="Approve (complete) or reject (release) a held payment (staff; audited)",
        request=ReviewInput,
        responses={
            200: AlertOutput,
            400: ERRORS[400],
            401: ERRORS[401],
            403: ERRORS[403],
            404: error_response("No such alert", "not_found", "Fraud alert not found."),
            409: error_response("Already closed", "alert_closed", "This alert is already approved."),
        },
    )
    def post(self, request: Request, alert_id: int) -> Response:
        data = ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        alert = services.alert_review(alert_id=alert_id, actor=request.user, **data.validated_data)
        alert = selectors.alerts_visible_to(user=request.user).get(pk=alert.pk)
        return Response(AlertOutput(alert, context={"staff": True}).data)


class ModelStatusView(APIView):
    # Staff only: a model's version, metrics, features and thresholds tell a fraudster what to
    # game. Customers get 403 in the common shape.
    permission_classes = [IsAdminUser]

    @extend_schema(
        summary="The active fraud model: version, metrics, thresholds, features, loaded (staff)",
        responses={200: ModelStatusOutput, 401: ERRORS[401], 403: ERRORS[403]},
    )
    def get(self, request: Request) -> Response:
        return Response(ModelStatusOutput(selectors.model_status()).data)
