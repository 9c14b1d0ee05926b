"""Input and output shapes for /api/speech/process and /api/speech/execute."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import User
from accounts.serializers import payment_pin_field
from ledger.serializers import TransactionOutput
from payments.models import MoneyRequest
from payments.serializers import MoneyRequestOutput
from securebank import clock
from securebank.money import format_amount
from securebank.serializers import StrictSerializer
from voice.services import ProcessOutcome


class ProcessInput(StrictSerializer):
    exactly_one_of = ("text", "audio")

    text = serializers.CharField(max_length=500, required=False, allow_blank=False, trim_whitespace=True,
                                 help_text='A typed command, e.g. "pay Rahul 500" (JSON).')
    audio = serializers.FileField(required=False, allow_empty_file=False,
                                  help_text="A spoken command: WAV, at most 15 s and 5 MB (multipart/form-data).")

    def validate(self, attrs: dict) -> dict:
        if ("text" in attrs) == ("audio" in attrs):
            raise serializers.ValidationError({"text": ["Send exactly one of text (JSON) or audio (multipart)."]})
        return attrs


class ProcessTextInput(StrictSerializer):
    """The JSON body of process, for the schema: JSON cannot carry a file, so only `text`
    (ProcessInput still parses and checks every request)."""

    text = serializers.CharField(max_length=500, allow_blank=False, trim_whitespace=True,
                                 help_text='A typed command, e.g. "pay Rahul 500".')


class ExecuteInput(StrictSerializer):
    confirmation_token = serializers.CharField(max_length=1000)
    pin = payment_pin_field()


class MatchOutput(serializers.Serializer):
    user_id = serializers.IntegerField()
    display_name = serializers.CharField()
    username = serializers.CharField()
    vpa = serializers.CharField()
    matched_by = serializers.ChoiceField(choices=["vpa", "phone", "username", "contact_name", "fuzzy"])
    score = serializers.FloatField(allow_null=True, help_text="0-100; 100 for exact matches")


class CandidateOutput(serializers.Serializer):
    user_id = serializers.IntegerField()
    display_name = serializers.CharField()
    username = serializers.CharField()
    vpa = serializers.CharField()
    score = serializers.FloatField()


class PayeeAnswer(serializers.Serializer):
    query = serializers.CharField(allow_null=True, help_text="What was said: a name, a VPA or a 10-digit mobile number")
    kind = serializers.ChoiceField(choices=["vpa", "phone", "name"], allow_null=True)
    match = MatchOutput(allow_null=True)
    candidates = CandidateOutput(many=True)


class ProcessOutput(serializers.Serializer):
    """The documented shape of a process answer (built by `process_answer`)."""

    transcript = serializers.CharField()
    source = serializers.ChoiceField(choices=["text", "audio"])
    intent = serializers.ChoiceField(choices=["pay", "request", "balance", "history", "unknown"])
    amount = serializers.CharField(allow_null=True, help_text='Decimal string with two places, e.g. "500.00"')
    note = serializers.CharField(allow_blank=True)
    payee = PayeeAnswer()
    missing = serializers.ListField(child=serializers.ChoiceField(choices=["amount", "payee"]))
    confirmation_token = serializers.CharField(allow_null=True, help_text="Only for a complete, resolved pay or request")
    expires_at = serializers.DateTimeField(allow_null=True)
    message = serializers.CharField(help_text="In the command's language: Hindi (in its script) for a Hindi command")
    language = serializers.ChoiceField(choices=["en", "hi"], help_text="hi: a Hindi or Hinglish command")
    script = serializers.ChoiceField(choices=["latin", "devanagari", "mixed"])
    recognition = serializers.DictField(required=False, help_text="Audio only: seconds, converted_from, contact_biased")
    balance = serializers.DictField(required=False, help_text="Balance intent: the account summary")
    transactions = TransactionOutput(many=True, required=False, help_text="History intent: newest first")


class ExecuteOutput(serializers.Serializer):
    intent = serializers.ChoiceField(choices=["pay", "request"])
    transaction = TransactionOutput(required=False, help_text="pay: the voice payment")
    balance = serializers.CharField(required=False)
    available = serializers.CharField(required=False)
    request = MoneyRequestOutput(required=False)


def process_answer(outcome: ProcessOutcome, *, user: User) -> dict[str, Any]:
    intent = outcome.intent
    body: dict[str, Any] = {
        "transcript": outcome.transcript,
        "source": outcome.source,
        "intent": intent.kind,
        "amount": format_amount(intent.amount),
        "note": intent.note,
        "payee": {
            "query": intent.payee.query if intent.payee else None,
            "kind": intent.payee.kind if intent.payee else None,
            "match": outcome.match.as_dict(),
            "candidates": outcome.match.candidates,
        },
        "missing": list(intent.missing),
        "confirmation_token": outcome.token,
        "expires_at": clock.timestamp(outcome.confirmation.expires_at) if outcome.confirmation else None,
        "message": outcome.message,
        "language": intent.language,
        "script": intent.script,
    }
    if outcome.recognition is not None:
        body["recognition"] = outcome.recognition
    if outcome.balance is not None:
        body["balance"] = outcome.balance
    if outcome.transactions is not None:
        body["transactions"] = TransactionOutput(outcome.transactions, many=True).data
    return body


def request_answer(money_request: MoneyRequest, *, user: User) -> dict[str, Any]:
    return {"intent": "request", "request": MoneyRequestOutput(money_request, context={"user": user}).data}
