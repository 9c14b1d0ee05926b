"""Classic QR: generate a single-use payment QR through `chain.qr.qr_create`, as /api/ does."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from chain.qr import qr_create, qr_png_data_uri
from classic.presenters import number
from classic.serializers import GenerateQRInput
from classic.views.base import ClassicView
from securebank import clock


class GenerateQRView(ClassicView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "payments"

    def post(self, request: Request) -> Response:
        data = GenerateQRInput(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        issued = qr_create(
            payee=request.user, amount=params.get("amount"), note=params["description"],
            expires_in=timedelta(minutes=params["expires_in_minutes"]),
        )
        image = qr_png_data_uri(issued.link)
        body = {
            "success": True,
            "payment_id": str(issued.qr.id),
            "qr_id": str(issued.qr.id),
            "qr_image": image,
            "qr_code_image": image,
            "qr_data": issued.link,
            "upi_link": issued.link,
            "amount": number(issued.qr.amount),
            "description": issued.qr.note,
            "expires_at": clock.timestamp(issued.qr.expires_at),
            "payee_vpa": request.user.vpa,
            # An unpaid code is on no block yet (its payment is sealed into one when mined): this
            # is the SHA-256 of the sealed token the code carries, which the app shows as its hash.
            "blockchain_hash": hashlib.sha256(issued.token.encode()).hexdigest(),
        }
        return Response(body, status=status.HTTP_201_CREATED)
