"""UPI PIN endpoints: thin — parse, call one service in accounts.pin, render the status.

No answer ever contains the PIN; every write is throttled like login (scope `pin`)."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import pin as pins
from accounts.serializers import PinChangeInput, PinResetInput, PinSetInput, PinStatusOutput, PinVerifyInput
from securebank.openapi import ERRORS, error_response

PIN_INVALID = error_response("Wrong PIN (`pin_invalid`, with `attempts_left`), or none set yet (`pin_not_set`)",
                             "pin_invalid", "Incorrect UPI PIN.")
PIN_LOCKED = error_response("Three wrong PINs: locked (the error carries `locked_until`)", "pin_locked",
                            "Too many incorrect UPI PINs: payments are locked. Try again later or reset the PIN.")
PIN_ERRORS = {400: ERRORS[400], 401: ERRORS[401], 403: PIN_INVALID, 423: PIN_LOCKED, 429: ERRORS[429]}


def _status_body(user) -> dict:
    return PinStatusOutput(asdict(pins.pin_status(user=user))).data


class PinThrottled(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "pin"


class PinView(PinThrottled):
    def get_throttles(self):
        return [] if self.request.method == "GET" else super().get_throttles()  # reading the status is free

    @extend_schema(summary="Is a UPI PIN set, is it locked and until when", responses={200: PinStatusOutput, 401: ERRORS[401]})
    def get(self, request: Request) -> Response:
        return Response(_status_body(request.user))

    @extend_schema(
        summary="Set the first UPI PIN (4 or 6 digits, twice)",
        request=PinSetInput,
        responses={201: PinStatusOutput, 400: ERRORS[400], 401: ERRORS[401],
                   409: error_response("Already set", "pin_already_set", "A UPI PIN is already set: change or reset it instead."),
                   429: ERRORS[429]},
    )
    def post(self, request: Request) -> Response:
        data = PinSetInput(data=request.data)
        data.is_valid(raise_exception=True)
        pins.pin_set(user=request.user, **data.validated_data)
        return Response(_status_body(request.user), status=status.HTTP_201_CREATED)


class PinChangeView(PinThrottled):
    @extend_schema(summary="Change the UPI PIN (current + new; a wrong current PIN counts toward the lock)",
                   request=PinChangeInput, responses={200: PinStatusOutput, **PIN_ERRORS})
    def post(self, request: Request) -> Response:
        data = PinChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        pins.pin_change(user=request.user, **data.validated_data)
        return Response(_status_body(request.user))


class PinResetView(PinThrottled):
    @extend_schema(
        summary="Reset a forgotten or locked UPI PIN with the account password",
        request=PinResetInput,
        responses={200: PinStatusOutput, 400: ERRORS[400], 401: ERRORS[401],
                   403: error_response("Wrong password", "invalid_password", "The account password is incorrect."),
                   429: ERRORS[429]},
    )
    def post(self, request: Request) -> Response:
        data = PinResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        pins.pin_reset(user=request.user, **data.validated_data)
        return Response(_status_body(request.user))


class PinVerifyView(PinThrottled):
    @extend_schema(summary="Check the UPI PIN (counts toward the lock like a payment would)",
                   request=PinVerifyInput,
                   responses={200: OpenApiResponse(description='`{"verified": true}`'), **PIN_ERRORS})
    def post(self, request: Request) -> Response:
        data = PinVerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        pins.pin_verify(user=request.user, pin=data.validated_data["pin"])
        return Response({"verified": True})
