"""Payments endpoints: thin — parse, call one service or selector, render.

Money-moving POSTs (send, accept) run through `securebank.idempotency_http.IdempotentView` and answer
with `ledger.presenters.transfer_result`: 201 completed, 202 held, 422 declined.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.pin import pin_check_in_payment
from ledger.presenters import transfer_result
from ledger.serializers import TransferOutput
from payments import selectors, services
from payments.serializers import (
    AcceptInput,
    AcceptOutput,
    EmptyInput,
    MoneyRequestOutput,
    PayeeOutput,
    PayeesQuery,
    PendingOutput,
    PendingQuery,
    RecentPayeeOutput,
    RequestAnswerOutput,
    RequestInput,
    ResolveQuery,
    SendInput,
)
from securebank.idempotency_http import IDEMPOTENCY_KEY, IdempotentView
from securebank.openapi import ERRORS, ErrorBody, error_response

PAYEE_NOT_FOUND = error_response("Payee not found", "payee_not_found", "No customer matches that payee.")
NOT_PENDING_EXAMPLE = OpenApiExample("request_not_pending", value={"error": {
    "code": "request_not_pending", "message": "This request is already paid.", "fields": {}, "status": "paid",
}})
NOT_PENDING = OpenApiResponse(
    response=ErrorBody,
    description="Not pending: the error carries the request's current `status`",
    examples=[NOT_PENDING_EXAMPLE],
)
ACCEPT_CONFLICT = OpenApiResponse(
    response=ErrorBody,
    description="Not pending (with its current `status`), or an Idempotency-Key reused with another request",
    examples=[NOT_PENDING_EXAMPLE, OpenApiExample("idempotency_conflict", value={"error": {
        "code": "idempotency_conflict", "message": "This Idempotency-Key was already used with a different request.",
        "fields": {},
    }})],
)
REQUEST_ERRORS = {
    401: ERRORS[401],
    404: error_response("Not found (or not yours to act on)", "not_found", "Money request not found."),
    409: NOT_PENDING,
}
MONEY_ERRORS = {
    400: ERRORS[400],
    401: ERRORS[401],
    403: error_response("Account frozen", "account_frozen", "The account is frozen."),
    409: ERRORS[409],
    422: error_response("Refused", "insufficient_funds", "Insufficient funds."),
    423: error_response("UPI PIN locked", "pin_locked", "Too many incorrect UPI PINs: payments are locked."),
    429: ERRORS[429],
}


class PaymentsThrottled(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "payments"


class ResolveView(PaymentsThrottled):
    @extend_schema(
        summary="Who is this payee? (show 'Pay Rahul Sharma (rahul@securebank)?' before paying)",
        parameters=[ResolveQuery],
        responses={200: PayeeOutput, 400: ERRORS[400], 401: ERRORS[401], 404: PAYEE_NOT_FOUND, 429: ERRORS[429]},
    )
    def get(self, request: Request) -> Response:
        query = ResolveQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        payee = selectors.payee_resolve(query=query.validated_data["payee"])
        return Response(PayeeOutput(selectors.payee_summary(payee)).data)


class PayeesView(APIView):
    @extend_schema(
        summary="The caller's recent payees, most recently paid first",
        parameters=[PayeesQuery],
        responses={200: RecentPayeeOutput(many=True), 400: ERRORS[400], 401: ERRORS[401]},
    )
    def get(self, request: Request) -> Response:
        query = PayeesQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        payees = selectors.recent_payees(user=request.user, limit=query.validated_data["limit"])
        return Response(RecentPayeeOutput(payees, many=True).data)


class SendView(PaymentsThrottled, IdempotentView):
    user_read_in_payment = True  # by the PIN gate, first in the payment's transaction (accounts.authentication)
    idempotency_scope = "payments.send"

    @extend_schema(
        summary="Pay a UPI ID, mobile number or username",
        description="201 completed; 202 held for fraud review (funds reserved); 422 "
        "`transaction_declined` (recorded; the error carries the transaction), `insufficient_funds` "
        "or `limit_exceeded`; 404 `payee_not_found`; 400 `self_transfer` or `invalid_amount`. Needs "
        "`pin` (the UPI PIN): 400 `pin_required`, 403 `pin_invalid` / `pin_not_set`, 423 `pin_locked`.",
        request=SendInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: TransferOutput, 202: TransferOutput, **MONEY_ERRORS, 404: PAYEE_NOT_FOUND},
    )
    def post(self, request: Request) -> Response:
        data = SendInput(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data

        def execute(record: object) -> tuple[int, dict]:
            outcome = services.payment_send(
                payer=request.user, payee=params["payee"], amount=params["amount"], note=params["note"],
                idempotency=record,
            )
            return transfer_result(outcome)

        return self.idempotent(
            request, execute, gate=lambda: pin_check_in_payment(user=request.user, pin=params.get("pin"))
        )


class RequestCreateView(PaymentsThrottled):
    @extend_schema(
        summary="Ask someone for money",
        description="The payer (UPI ID, mobile number or username) gets a `notification` event "
        "(`money_request.created`). 404 `payer_not_found`; 400 `self_request`.",
        request=RequestInput,
        responses={
            201: RequestAnswerOutput, 400: ERRORS[400], 401: ERRORS[401],
            404: error_response("Payer not found", "payer_not_found", "No customer matches that payer."),
            429: ERRORS[429],
        },
    )
    def post(self, request: Request) -> Response:
        data = RequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        money_request = services.money_request_create(
            requester=request.user, payer=params["payer"], amount=params["amount"], note=params["note"],
            expires_in=timedelta(seconds=params["expires_in"]),
        )
        body = {"request": MoneyRequestOutput(money_request, context={"user": request.user}).data}
        return Response(body, status=status.HTTP_201_CREATED)


class PendingView(APIView):
    @extend_schema(
        summary="Money requests: incoming (the caller may pay) and outgoing (the caller made)",
        description="Newest first, each with its status: pending, paid, declined, cancelled or expired. "
        "Requests past their expiry are expired by this read.",
        parameters=[PendingQuery],
        responses={200: PendingOutput, 400: ERRORS[400], 401: ERRORS[401]},
    )
    def get(self, request: Request) -> Response:
        query = PendingQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        services.money_requests_expire(user=request.user)  # "expired on read": persisted, parties told
        body: dict[str, Any] = {}
        for direction in ("incoming", "outgoing"):
            rows: Any = []
            if params.get("direction") in (None, direction):
                rows = selectors.money_requests_for_user(
                    user=request.user, direction=direction, status=params.get("status")
                )[: params["limit"]]
            body[direction] = MoneyRequestOutput(rows, many=True, context={"user": request.user}).data
        return Response(body)


class RequestAcceptView(PaymentsThrottled, IdempotentView):
    user_read_in_payment = True  # by the PIN gate, first in the payment's transaction (accounts.authentication)
    @extend_schema(
        summary="Pay a money request (payer only; exactly once)",
        description="Pays through the transfer service: 201 completed, 202 held, 422 declined (the "
        "request stays pending). 409 `request_not_pending` carries the current `status`. Body: "
        "`{\"pin\": \"1234\"}` (the UPI PIN; see POST /api/pin).",
        request=AcceptInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: AcceptOutput, 202: AcceptOutput, **MONEY_ERRORS, **REQUEST_ERRORS, 409: ACCEPT_CONFLICT},
    )
    def post(self, request: Request, request_id: Any) -> Response:
        data = AcceptInput(data=request.data or {})
        data.is_valid(raise_exception=True)

        def execute(record: object) -> tuple[int, dict]:
            paid = services.money_request_accept(user=request.user, request_id=request_id, idempotency=record)
            code, body = transfer_result(paid.transfer)
            body["request"] = MoneyRequestOutput(paid.request, context={"user": request.user}).data
            return code, body

        return self.idempotent(
            request, execute, scope=f"payments.accept.{request_id}",
            gate=lambda: pin_check_in_payment(user=request.user, pin=data.validated_data.get("pin")),
        )


class RequestDeclineView(APIView):
    @extend_schema(
        summary="Decline a money request (payer only)",
        request=None,
        responses={200: RequestAnswerOutput, 400: ERRORS[400], **REQUEST_ERRORS},
    )
    def post(self, request: Request, request_id: Any) -> Response:
        EmptyInput(data=request.data or {}).is_valid(raise_exception=True)
        money_request = services.money_request_decline(user=request.user, request_id=request_id)
        return Response({"request": MoneyRequestOutput(money_request, context={"user": request.user}).data})


class RequestCancelView(APIView):
    @extend_schema(
        summary="Cancel a money request (requester only)",
        request=None,
        responses={200: RequestAnswerOutput, 400: ERRORS[400], **REQUEST_ERRORS},
    )
    def post(self, request: Request, request_id: Any) -> Response:
        EmptyInput(data=request.data or {}).is_valid(raise_exception=True)
        money_request = services.money_request_cancel(user=request.user, request_id=request_id)
        return Response({"request": MoneyRequestOutput(money_request, context={"user": request.user}).data})
