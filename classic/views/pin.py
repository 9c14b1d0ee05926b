"""Classic UPI PIN rows: status, setup, verify, change, reset — each one `accounts.pin` service.
A correct PIN at verify also issues the single-use payment ticket (classic/services.py)."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from accounts import pin as pins
from accounts.models import User
from classic.serializers import PinChangeInput, PinResetInput, PinSetupInput, PinVerifyInput
from classic.services import PIN_TICKET_SECONDS, pin_ticket_issue
from classic.views.base import ClassicView
from securebank import clock


def status_answer(user: User) -> dict[str, Any]:
    state = pins.pin_status(user=user)
    return {
        "has_pin": state.is_set,
        "is_locked": state.locked,
        "locked_until": clock.timestamp(state.locked_until),
        "attempts_remaining": state.attempts_left,
    }


class PinThrottled(ClassicView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "pin"


class PinStatusView(ClassicView):
    def get(self, request: Request) -> Response:
        return Response({"success": True, **status_answer(request.user)})


class PinSetupView(PinThrottled):
    def post(self, request: Request) -> Response:
        data = PinSetupInput(data=request.data)
        data.is_valid(raise_exception=True)
        pins.pin_set(user=request.user, pin=data.validated_data["pin"], pin_confirm=data.validated_data["confirm_pin"])
        return Response({"success": True, "message": "Security PIN set.", **status_answer(request.user)},
                        status=status.HTTP_201_CREATED)


class PinVerifyView(PinThrottled):
    def post(self, request: Request) -> Response:
        data = PinVerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        pins.pin_verify(user=request.user, pin=data.validated_data["pin"])
        pin_ticket_issue(user=request.user)
        return Response({"success": True, "verified": True, "message": "PIN verified.",
                         "ticket_expires_in": PIN_TICKET_SECONDS})


class PinChangeView(PinThrottled):
    def post(self, request: Request) -> Response:
        data = PinChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        pins.pin_change(user=request.user, current_pin=data.validated_data["current_pin"],
                        new_pin=data.validated_data["new_pin"])
        return Response({"success": True, "message": "PIN changed.", **status_answer(request.user)})


class PinResetView(PinThrottled):
    def post(self, request: Request) -> Response:
        data = PinResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        pins.pin_reset(user=request.user, password=data.validated_data["password"],
                       new_pin=data.validated_data["new_pin"])
        return Response({"success": True, "message": "PIN reset.", **status_answer(request.user)})
