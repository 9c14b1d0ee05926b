"""Chain and QR endpoints. Each view parses, calls one service or selector, and renders."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.pin import pin_check_in_payment
from chain import selectors
from chain.models import QRPayment
from chain.qr import qr_create, qr_inspect, qr_png_data_uri, qr_redeem
from chain.serializers import (
    BlockDetailOutput,
    BlockOutput,
    ChainListFilter,
    GenerateQRInput,
    GenerateQROutput,
    HeadOutput,
    ProofOutput,
    QRListFilter,
    QROutput,
    QRPreviewOutput,
    VerifyChainInput,
    VerifyQRInput,
    VerifyReportOutput,
)
from chain.verification import chain_verify
from ledger.presenters import transfer_result
from ledger.serializers import TransferOutput
from securebank.idempotency_http import IdempotentView, idempotency_key_parameter
from securebank.money import format_amount
from securebank.openapi import ERRORS, error_response

IDEMPOTENCY_HEADER = idempotency_key_parameter(
    "With confirm=true: a retry with the same key and body replays the first answer."
)
QR_ERRORS = {
    400: error_response("Invalid, altered or foreign QR code", "qr_invalid", "This QR code is not valid."),
    401: ERRORS[401],
    403: error_response("Account frozen", "account_frozen", "The account is frozen."),
    409: error_response("Already paid", "qr_already_used", "This QR code has already been paid."),
    410: error_response("Expired", "qr_expired", "This QR code has expired."),
    422: error_response("Refused", "insufficient_funds", "Insufficient funds."),
    423: error_response("UPI PIN locked", "pin_locked", "Too many incorrect UPI PINs: payments are locked."),
    429: ERRORS[429],
}


class GenerateQRView(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "payments"

    @extend_schema(
        summary="Create a single-use payment QR code (you are the payee)",
        request=GenerateQRInput,
        responses={201: GenerateQROutput, 400: ERRORS[400], 401: ERRORS[401], 403: QR_ERRORS[403], 429: ERRORS[429]},
    )
    def post(self, request: Request) -> Response:
        data = GenerateQRInput(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        issued = qr_create(
            payee=request.user, amount=params.get("amount"), note=params["note"],
            expires_in=timedelta(seconds=params["expires_in"]),
        )
        body = {
            "qr_id": issued.qr.id,
            "token": issued.token,
            "qr_data": issued.link,
            "upi_link": issued.link,
            "qr_code_image": qr_png_data_uri(issued.link),
            "amount": format_amount(issued.qr.amount),
            "note": issued.qr.note,
            "expires_at": issued.qr.expires_at,
            "payee_vpa": request.user.vpa,
        }
        return Response(GenerateQROutput(body).data, status=status.HTTP_201_CREATED)


class VerifyQRView(IdempotentView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "payments"
    idempotency_scope = "chain.qr_pay"

    @extend_schema(
        summary="Check a scanned QR code (confirm=false) or pay it (confirm=true)",
        description="confirm=false: 200 with payee and amount, nothing moves. confirm=true: pays through "
        "the transfer service (limits, fraud, notifications, chain) and consumes the code in the same "
        "database transaction: 201 completed, 202 held for review, 422 declined or refused. "
        "400 `qr_invalid` (altered, unknown key), `qr_amount_required`, `qr_amount_fixed`, "
        "`self_transfer`; 409 `qr_already_used`; 410 `qr_expired`. Paying needs `pin` (the UPI PIN): "
        "400 `pin_required`, 403 `pin_invalid` / `pin_not_set`, 423 `pin_locked`.",
        request=VerifyQRInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: QRPreviewOutput, 201: TransferOutput, 202: TransferOutput, **QR_ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = VerifyQRInput(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        if not params["confirm"]:
            qr, amount = qr_inspect(payer=request.user, qr_data=params["qr_data"], amount=params.get("amount"))
            return Response(QRPreviewOutput(_preview(qr, amount)).data)

        def execute(record: object) -> tuple[int, dict]:
            redemption = qr_redeem(
                payer=request.user, qr_data=params["qr_data"], amount=params.get("amount"), idempotency=record
            )
            code, body = transfer_result(redemption.outcome)
            return code, {**body, "qr_id": str(redemption.qr.id)}

        return self.idempotent(
            request, execute, gate=lambda: pin_check_in_payment(user=request.user, pin=params.get("pin"))
        )


def _preview(qr: QRPayment, amount: Any) -> dict[str, Any]:
    return {
        "valid": True,
        "qr_id": qr.id,
        "payee": {"name": qr.payee.display_name, "vpa": qr.payee.vpa},
        "amount": format_amount(amount),
        "open_amount": qr.amount is None,
        "note": qr.note,
        "expires_at": qr.expires_at,
    }


class NewestFirst(CursorPagination):
    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100


class QRPagination(NewestFirst):
    ordering = ("-created_at", "-id")


class BlockPagination(NewestFirst):
    ordering = ("-index",)


class QRListView(APIView):
    pagination_class = QRPagination  # documents the page envelope in the schema
    @extend_schema(
        summary="Your QR codes (as payee), newest first, with status active / paid / expired",
        parameters=[QRListFilter],
        responses={200: QROutput(many=True), 400: ERRORS[400], 401: ERRORS[401]},
    )
    def get(self, request: Request) -> Response:
        filters = QRListFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.qr_list_for_user(user=request.user, status=filters.validated_data.get("status"))
        paginator = QRPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(QROutput(page, many=True).data)


class ChainView(APIView):
    pagination_class = BlockPagination  # documents the page envelope in the schema
    @extend_schema(
        summary="Blocks, newest first (cursor-paginated)",
        parameters=[ChainListFilter],
        responses={200: BlockOutput(many=True), 400: ERRORS[400], 401: ERRORS[401]},
    )
    def get(self, request: Request) -> Response:
        filters = ChainListFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = BlockPagination()
        page = paginator.paginate_queryset(selectors.blocks_newest_first(), request, view=self)
        return paginator.get_paginated_response([selectors.block_header(b) for b in page])


class BlockDetailView(APIView):
    @extend_schema(
        summary="One block: header, signature and its transaction ids in leaf order",
        responses={200: BlockDetailOutput, 401: ERRORS[401], 404: ERRORS[404]},
    )
    def get(self, request: Request, index: int) -> Response:
        block, ids = selectors.block_get(index=index)
        return Response({**selectors.block_header(block), "transaction_ids": ids})


class HeadView(APIView):
    @extend_schema(
        summary="The latest signed block header and the bank's Ed25519 public key",
        responses={200: HeadOutput, 401: ERRORS[401]},
    )
    def get(self, request: Request) -> Response:
        return Response(selectors.chain_head())


class VerifyChainView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        summary="Staff: verify the whole chain now and return the summary",
        description="200 either way; `ok` false names the first failing block (and transaction).",
        request=VerifyChainInput,
        responses={200: VerifyReportOutput, 401: ERRORS[401], 403: ERRORS[403]},
    )
    def post(self, request: Request) -> Response:
        VerifyChainInput(data=request.data or {}).is_valid(raise_exception=True)
        return Response(chain_verify().as_dict())


class TransactionProofView(APIView):
    @extend_schema(
        summary="Inclusion proof of one of your transactions (payer or payee only)",
        description="The leaf bytes, the RFC 6962 audit path, the block header and its Ed25519 "
        "signature: enough to check the transaction is in a signed block without trusting the "
        "server (docs/chain.md has a verifier). 409 `not_sealed` until the miner has sealed it.",
        responses={
            200: ProofOutput,
            401: ERRORS[401],
            404: ERRORS[404],
            409: error_response("Not sealed yet", "not_sealed", "The transaction is not sealed in a block yet."),
        },
    )
    def get(self, request: Request, transaction_id: UUID) -> Response:
        return Response(selectors.transaction_proof(user=request.user, transaction_id=transaction_id))
