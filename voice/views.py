"""Voice endpoints: understand a command, then execute it once confirmed. Thin: parse, call
one service, render. Both are throttled (scope "voice")."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.pin import pin_check_in_payment
from ledger.presenters import transfer_result
from securebank.idempotency_http import IdempotentView, idempotency_key_parameter
from securebank.openapi import ERRORS, ErrorBody, error_response
from securebank.parsers import JSONParser
from voice import services
from voice.exceptions import ACCEPTED_AUDIO, AudioTooLarge
from voice.serializers import (
    ExecuteInput,
    ExecuteOutput,
    ProcessInput,
    ProcessOutput,
    ProcessTextInput,
    process_answer,
    request_answer,
)

MULTIPART_SLACK = 64 * 1024  # form boundaries and headers around the file


class VoiceThrottled(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "voice"


class ProcessView(VoiceThrottled):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        summary="Understand a voice or typed command (moves no money)",
        description=(
            "JSON `{text}` or multipart `{audio}` (WAV; converted to 16 kHz mono). Answers the "
            "transcript, the parsed intent, the amount, the payee (`match`: who, and how they "
            "matched — vpa / phone / username / contact_name / fuzzy with a score; or several "
            "`candidates` and no token), what is `missing`, and a `confirmation_token` (2 minutes, "
            "single use) only for a complete, resolved pay or request. Balance and history "
            "questions are answered here. Speech recognition is offline and can mishear: a "
            "misheard command looks valid, which is why nothing moves without confirmation."
        ),
        request={"application/json": ProcessTextInput, "multipart/form-data": ProcessInput},
        responses={
            200: ProcessOutput,
            400: error_response("Bad amount or input", "invalid_amount", "Amount must be greater than zero."),
            401: ERRORS[401],
            413: error_response("Audio too large or too long", "audio_too_long", "The recording is longer than 15 seconds."),
            415: OpenApiResponse(response=ErrorBody, description="Unsupported audio", examples=[OpenApiExample(
                "unsupported_audio_format", value={"error": {"code": "unsupported_audio_format",
                "message": "The upload is not a WAV (RIFF/WAVE) file.", "fields": {}, "accepted": ACCEPTED_AUDIO}},
            )]),
            429: ERRORS[429],
            503: error_response("No speech model", "voice_model_unavailable", "Speech recognition is not set up."),
        },
    )
    def post(self, request: Request) -> Response:
        # Refuse an oversized upload from its header, before the body is read and spooled.
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.VOICE_MAX_AUDIO_BYTES + MULTIPART_SLACK:
            raise AudioTooLarge()
        data = ProcessInput(data=request.data)
        data.is_valid(raise_exception=True)
        audio = data.validated_data.get("audio")
        if audio is not None:
            if audio.size > settings.VOICE_MAX_AUDIO_BYTES:
                raise AudioTooLarge()
            outcome = services.voice_command_process(user=request.user, audio=audio.read())
        else:
            outcome = services.voice_command_process(user=request.user, text=data.validated_data["text"])
        return Response(process_answer(outcome, user=request.user))


class ExecuteView(VoiceThrottled, IdempotentView):
    idempotency_scope = "voice.execute"

    @extend_schema(
        summary="Execute a confirmed voice command",
        description=(
            "Takes the `confirmation_token` from process. A payment goes through the payments "
            "service (limits, fraud scoring, notifications, chain): 201 completed, 202 held for "
            "review, 422 declined / insufficient funds / limit. A money request: 201 with the "
            "request. 400 `confirmation_invalid` (tampered, or another user's), "
            "`confirmation_expired` (after 2 minutes) or `confirmation_used`. A payment needs `pin` "
            "(the UPI PIN): 400 `pin_required`, 403 `pin_invalid` / `pin_not_set`, 423 `pin_locked`."
        ),
        request=ExecuteInput,
        parameters=[idempotency_key_parameter("A retry with the same key and body replays the first answer.")],
        responses={
            201: ExecuteOutput, 202: ExecuteOutput,
            400: error_response("Token refused", "confirmation_used", "The confirmation token has already been used."),
            401: ERRORS[401],
            403: error_response("Wrong UPI PIN, or none set", "pin_invalid", "Incorrect UPI PIN."),
            409: ERRORS[409],
            422: error_response("Refused", "insufficient_funds", "Insufficient funds."),
            423: error_response("UPI PIN locked", "pin_locked", "Too many incorrect UPI PINs: payments are locked."),
            429: ERRORS[429],
        },
    )
    def post(self, request: Request) -> Response:
        data = ExecuteInput(data=request.data)
        data.is_valid(raise_exception=True)
        token = data.validated_data["confirmation_token"]
        gate = None
        if services.voice_token_moves_money(user=request.user, token=token):  # a request moves nothing
            def gate() -> Exception | None:  # the UPI PIN, first in the money's transaction (one commit)
                return pin_check_in_payment(user=request.user, pin=data.validated_data.get("pin"))

        def execute(record: object) -> tuple[int, dict]:
            result = services.voice_command_execute(user=request.user, token=token, idempotency=record)
            if result.kind == "payment":
                status, body = transfer_result(result.transfer)
                return status, {"intent": "pay", **body}
            return 201, request_answer(result.money_request, user=request.user)

        return self.idempotent(request, execute, gate=gate)
