"""Classic voice: parse-text and execute-command, both through `voice.services.voice_command_process`.

The classic app pays a voice command through its ordinary Send (payments/send, PIN and all), so
here "execute-command" only confirms what the server understood: it re-reads the command's text
(never the client's copy of the parsed fields) and answers the payment details to confirm.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import User
from classic.presenters import account_numbers, number, transaction_numbers
from classic.serializers import ExecuteCommandInput, ParseTextInput
from classic.views.base import ClassicView
from ledger.serializers import TransactionOutput
from voice.services import ProcessOutcome, voice_command_process

# Our intent names -> the original backend's.
INTENTS = {"pay": "payment", "request": "request_money", "balance": "balance", "history": "transactions",
           "unknown": "unknown"}
ACTIONS = {"pay": "payment", "request": "request_money", "balance": "balance_check", "history": "transactions",
           "unknown": "unknown"}


def _resolved(outcome: ProcessOutcome, user: User) -> User | None:
    match = outcome.match.user
    return match if match is not None and match.pk != user.pk else None


def parsed_answer(outcome: ProcessOutcome, *, user: User) -> dict[str, Any]:
    intent = outcome.intent
    payee = _resolved(outcome, user)
    params: dict[str, Any] = {
        "amount": number(intent.amount),
        "recipient": intent.payee.query if intent.payee else None,
        "recipient_type": intent.payee.kind if intent.payee else None,
        "recipient_resolved": payee is not None,
        "candidates": outcome.match.candidates,
    }
    if payee is not None:
        params["resolved_user"] = {"id": payee.pk, "username": payee.username, "full_name": payee.full_name,
                                   "upi_id": payee.vpa}
    elif intent.payee is not None:
        params["resolution_message"] = outcome.message
    return {
        "text": outcome.transcript,
        "intent": INTENTS[intent.kind],
        "action": ACTIONS[intent.kind],
        "amount": params["amount"],
        "recipient": params["recipient"],
        "recipientId": payee.pk if payee is not None else None,
        "params": params,
        "missing": list(intent.missing),
        "message": outcome.message,
    }


class VoiceView(ClassicView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "voice"


class ParseTextView(VoiceView):
    def post(self, request: Request) -> Response:
        data = ParseTextInput(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = voice_command_process(user=request.user, text=data.validated_data["text"])
        parsed = parsed_answer(outcome, user=request.user)
        return Response({"success": outcome.intent.kind != "unknown", "text": outcome.transcript, "parsed": parsed,
                         "message": outcome.message})


def _refused(message: str, code: str) -> Response:
    return Response({"success": False, "error": message, "code": code, "fields": {}, "message": message}, status=400)


class ExecuteCommandView(VoiceView):
    def post(self, request: Request) -> Response:
        data = ExecuteCommandInput(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = voice_command_process(user=request.user, text=data.validated_data["command"]["text"])
        intent = outcome.intent
        payee = _resolved(outcome, request.user)
        if intent.kind == "balance":
            account = account_numbers(outcome.balance)
            total = account["balance"] if account else 0.0
            return Response({"success": True, "action": "balance_check", "message": outcome.message,
                             "balance": {"total": total, "accounts": [account] if account else []}})
        if intent.kind == "history":
            rows = [transaction_numbers(t) for t in TransactionOutput(outcome.transactions or [], many=True).data]
            return Response({"success": True, "action": "transactions", "transactions": rows,
                             "message": outcome.message})
        if intent.kind == "unknown":
            return _refused(outcome.message, "unknown_command")
        if payee is None or intent.amount is None:
            return _refused(outcome.message, "recipient_not_found" if intent.amount is not None else "amount_missing")
        name = payee.display_name
        if intent.kind == "pay":
            details = {"receiver_id": payee.pk, "recipient_name": name, "receiver_name": name,
                       "receiver_upi": payee.vpa, "amount": number(intent.amount)}
            return Response({"success": True, "action": "confirm_payment", "confirmation_required": True,
                             "payment_details": details, "message": outcome.message})
        details = {"from_user_id": payee.pk, "from_user_name": name, "amount": number(intent.amount)}
        return Response({"success": True, "action": "confirm_request", "confirmation_required": True,
                         "request_details": details, "message": outcome.message})
