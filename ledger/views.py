"""Ledger endpoints: transfer, history, detail, own account."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.pin import pin_check_in_payment
from ledger import selectors, services
from ledger.exceptions import PayeeNotFound
from ledger.presenters import transfer_result
from ledger.serializers import (
    HistoryFilter,
    SummaryOutput,
    SummaryQuery,
    TransactionOutput,
    TransferInput,
    TransferOutput,
    summary_body,
)
from ledger.summary import transaction_summary
from securebank.idempotency_http import IDEMPOTENCY_KEY, IdempotentView
from securebank.openapi import ERRORS, error_response

MONEY_ERRORS = {
    400: ERRORS[400],
    401: ERRORS[401],
    403: error_response("Account frozen", "account_frozen", "The account is frozen."),
    404: error_response("Payee not found", "payee_not_found", "No customer matches that payee."),
    409: ERRORS[409],
    422: error_response("Refused", "insufficient_funds", "Insufficient funds."),
    423: error_response("UPI PIN locked", "pin_locked", "Too many incorrect UPI PINs: payments are locked."),
    429: ERRORS[429],
}


class TransferView(IdempotentView):
    user_read_in_payment = True  # by the PIN gate, first in the payment's transaction (accounts.authentication)
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "payments"
    idempotency_scope = "ledger.transfer"

    @extend_schema(
        summary="Transfer to an account number or username",
        description="201 completed; 202 held for fraud review (funds reserved); 422 "
        "`transaction_declined`, `insufficient_funds` or `limit_exceeded`; 400 `self_transfer`. "
        "Needs `pin` (the UPI PIN) once one is set, or always when PIN_REQUIRED is on: 400 "
        "`pin_required`, 403 `pin_invalid` (with `attempts_left`) / `pin_not_set`, 423 `pin_locked`; "
        "nothing moves.",
        request=TransferInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: TransferOutput, 202: TransferOutput, **MONEY_ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = TransferInput(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data

        def execute(record: object) -> tuple[int, dict]:
            if params.get("to_account"):
                payee = selectors.account_payee_by_number(number=params["to_account"])
            else:
                payee = selectors.account_find_by_username(username=params["to_username"])
            if payee is None:
                raise PayeeNotFound()
            outcome = services.transfer_create(
                payer=request.user, payee_account=payee, amount=params["amount"],
                description=params["description"], channel="api", idempotency=record,
            )
            return transfer_result(outcome)

        return self.idempotent(
            request, execute, gate=lambda: pin_check_in_payment(user=request.user, pin=params.get("pin"))
        )


class HistoryPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100


class HistoryView(APIView):
    pagination_class = HistoryPagination  # documents the page envelope in the schema
    @extend_schema(
        summary="Own transactions, newest first (cursor-paginated)",
        parameters=[HistoryFilter],
        responses={200: TransactionOutput(many=True), 400: ERRORS[400], 401: ERRORS[401]},
    )
    def get(self, request: Request) -> Response:
        filters = HistoryFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        params = {k: v for k, v in filters.validated_data.items() if k not in {"limit", "cursor"}}
        qs = selectors.transaction_history(user=request.user, **params)
        paginator = HistoryPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(TransactionOutput(page, many=True).data)


class SummaryView(APIView):
    @extend_schema(
        summary="Own spending summary: money in and out, count, top counterparties, by kind, daily",
        description="Completed transactions of the last 7 (week), 30 (month, the default) or 365 (year) "
        "days including today, by local date in the bank's time zone. Amounts are exact decimal strings.",
        parameters=[SummaryQuery],
        responses={200: SummaryOutput, 400: ERRORS[400], 401: ERRORS[401]},
    )
    def get(self, request: Request) -> Response:
        query = SummaryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        summary = transaction_summary(user=request.user, period=query.validated_data["period"])
        return Response(summary_body(summary, time_zone=settings.TIME_ZONE))


class TransactionDetailView(APIView):
    @extend_schema(
        summary="One transaction (payer or payee only; anyone else gets 404)",
        responses={200: TransactionOutput, 401: ERRORS[401], 404: ERRORS[404]},
    )
    def get(self, request: Request, transaction_id: str) -> Response:
        txn = selectors.transaction_get_for_user(user=request.user, transaction_id=transaction_id)
        return Response(TransactionOutput(txn).data)


class AccountMeView(APIView):
    @extend_schema(
        summary="Own primary account: number, balance, held, available",
        responses={200: OpenApiResponse(description="Account summary"), 401: ERRORS[401], 404: ERRORS[404]},
    )
    def get(self, request: Request) -> Response:
        return Response(selectors.account_summary(selectors.account_for_user(user=request.user)))
