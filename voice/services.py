"""Voice writes: understand a command (issuing a confirmation token), then execute it.

    voice_command_process(user=, text= | audio=)  -> ProcessOutcome (+ a token when complete)
    voice_command_execute(user=, token=, idempotency=) -> ExecuteOutcome (payment or request)

Nothing moves on `process`: recognition and parsing errors look exactly like valid commands,
so money moves only on `execute` with a token that names the user, the intent, the amount and
the payee. Tokens are signed (django.core.signing, salt below), last
VOICE_CONFIRMATION_SECONDS (2 minutes) and are single use: their `VoiceConfirmation` row is
locked and consumed in the same database transaction as the payment. Payments go through
`payments.services.payment_send`, so limits, fraud scoring, notifications and the chain apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from ledger.models import IdempotencyKey, Transaction
from ledger.selectors import account_summary_for_user
from ledger.services import TransferOutcome
from payments.models import MoneyRequest
from payments.services import money_request_create, payment_send
from securebank.money import format_amount, format_rupees, parse_amount
from voice.audio import clip_from_wav
from voice.exceptions import ConfirmationExpired, ConfirmationInvalid, ConfirmationUsed
from voice.messages import hindi_message
from voice.models import VoiceConfirmation
from voice.parsing import Intent, parse_command
from voice.recognizer import transcribe
from voice.selectors import PayeeMatch, contact_names, contacts_for_user, payee_match, recent_transactions

TOKEN_SALT = "securebank.voice.confirmation.v1"  # noqa: S105 - a namespace, not a secret
DEFAULT_HISTORY = 5


@dataclass(frozen=True)
class ProcessOutcome:
    transcript: str
    source: str  # text | audio
    intent: Intent
    match: PayeeMatch
    confirmation: VoiceConfirmation | None
    token: str | None
    message: str
    recognition: dict[str, Any] | None = None  # audio only: seconds, contact biasing
    balance: dict[str, Any] | None = None  # balance intent: the account summary
    transactions: list[Transaction] | None = None  # history intent: newest first


@dataclass(frozen=True)
class ExecuteOutcome:
    kind: str  # payment | request
    transfer: TransferOutcome | None = None
    money_request: MoneyRequest | None = None


# --- Process ---------------------------------------------------------------------------------------
def voice_command_process(*, user: User, text: str | None = None, audio: bytes | None = None) -> ProcessOutcome:
    """Understand one command (typed `text` or a WAV `audio` upload). Raises InvalidAmount (400),
    AudioTooLarge / AudioTooLong (413), UnsupportedAudio (415), VoiceModelUnavailable (503)."""
    recognition = contacts = None
    if audio is not None:
        clip = clip_from_wav(audio)
        contacts = contacts_for_user(user=user)  # read once: the recognizer's names, then the match
        heard = transcribe(clip.pcm, names=contact_names(user=user, contacts=contacts))
        transcript, source = heard.text, VoiceConfirmation.Source.AUDIO
        recognition = {"seconds": round(clip.seconds, 2), "converted_from": clip.source if clip.converted else None,
                       "contact_biased": heard.contact_biased}
    else:
        transcript, source = (text or "").strip(), VoiceConfirmation.Source.TEXT

    intent = parse_command(transcript)
    if intent.amount is not None:
        parse_amount(format_amount(intent.amount))  # per-transaction limit: InvalidAmount (400)
    match = payee_match(user=user, ref=intent.payee, contacts=contacts) if intent.payee else PayeeMatch()
    confirmation = token = None
    if intent.complete and match.user is not None and match.user.pk != user.pk:
        confirmation = VoiceConfirmation.objects.create(
            user=user, intent=intent.kind, amount=intent.amount, payee=match.user, note=intent.note[:140],
            transcript=transcript[:500], source=source, matched_by=match.matched_by or "",
            expires_at=timezone.now() + timedelta(seconds=settings.VOICE_CONFIRMATION_SECONDS),
        )
        token = confirmation_token(confirmation)
    return ProcessOutcome(
        transcript=transcript, source=source, intent=intent, match=match, confirmation=confirmation,
        token=token, message=_message(user=user, intent=intent, match=match), recognition=recognition,
        balance=account_summary_for_user(user=user) if intent.kind == "balance" else None,
        transactions=(recent_transactions(user=user, count=intent.count or DEFAULT_HISTORY)
                      if intent.kind == "history" else None),
    )


def _message(*, user: User, intent: Intent, match: PayeeMatch) -> str:
    if intent.language == "hi":  # answered in Hindi, in the script of the command
        summary = account_summary_for_user(user=user) if intent.kind == "balance" else None
        return hindi_message(intent=intent, match=match, user_pk=user.pk, summary=summary)
    if intent.kind == "balance":
        summary = account_summary_for_user(user=user)
        if summary is None:
            return "You have no account yet."
        return (f"Your balance is {format_rupees(Decimal(summary['balance']))}; "
                f"{format_rupees(Decimal(summary['available']))} is available.")
    if intent.kind == "history":
        return f"Here are your last {intent.count or DEFAULT_HISTORY} transactions."
    if intent.kind == "unknown":
        return 'Sorry, I did not understand that. Try "pay Rahul 500" or "what is my balance".'
    verb = "pay" if intent.kind == "pay" else "request money from"
    amount = format_rupees(intent.amount) if intent.amount is not None else None
    if intent.payee is None:
        if amount is None:
            return f"Who should I {verb}, and how much?"
        return f"Who should I pay {amount} to?" if intent.kind == "pay" else f"Who should I request {amount} from?"
    if match.candidates:
        names = ", ".join(f"{c['display_name']} ({c['vpa']})" for c in match.candidates)
        return f"More than one person matches \"{intent.payee.query}\": {names}. Say the full name or the UPI ID."
    if match.user is None:
        return (f"I could not find \"{intent.payee.query}\" among your contacts. "
                "Say their UPI ID, mobile number or username.")
    if match.user.pk == user.pk:
        return "That is your own account; choose someone else."
    who = f"{match.user.display_name} ({match.user.vpa})"
    if amount is None:
        return f"How much should I {verb} {who}?"
    if intent.kind == "pay":
        return f"Pay {amount} to {who}? Confirm to send."
    return f"Request {amount} from {who}? Confirm to send the request."


# --- Tokens ----------------------------------------------------------------------------------------
def confirmation_token(confirmation: VoiceConfirmation) -> str:
    """Signed, timestamped: binds the row id, user, intent, amount and payee."""
    return signing.dumps(
        {"id": str(confirmation.pk), "u": confirmation.user_id, "i": confirmation.intent,
         "a": format_amount(confirmation.amount), "p": confirmation.payee_id},
        salt=TOKEN_SALT, compress=False,
    )


def _claims(token: str) -> dict[str, Any]:
    if not isinstance(token, str) or not token or len(token) > 1000:
        raise ConfirmationInvalid()
    try:
        claims = signing.loads(token, salt=TOKEN_SALT, max_age=settings.VOICE_CONFIRMATION_SECONDS)
    except signing.SignatureExpired as exc:
        raise ConfirmationExpired() from exc
    except signing.BadSignature as exc:
        raise ConfirmationInvalid() from exc
    if not isinstance(claims, dict) or set(claims) != {"id", "u", "i", "a", "p"}:
        raise ConfirmationInvalid()
    return claims


def _locked_confirmation(*, user: User, claims: dict[str, Any]) -> VoiceConfirmation:
    """The token's row, locked FOR UPDATE; the caller holds an atomic block."""
    row = VoiceConfirmation.objects.select_for_update().filter(pk=claims["id"]).first()
    if (
        row is None or row.user_id != user.pk or claims["u"] != user.pk or row.intent != claims["i"]
        or format_amount(row.amount) != claims["a"] or row.payee_id != claims["p"]
    ):
        raise ConfirmationInvalid()
    if row.consumed_at is not None:
        raise ConfirmationUsed()
    if row.expires_at <= timezone.now():
        raise ConfirmationExpired()
    return row


def _consume(row: VoiceConfirmation, **links: Any) -> None:
    """Mark used; a conditional update, so two executions can never both consume one token."""
    if not VoiceConfirmation.objects.filter(pk=row.pk, consumed_at__isnull=True).update(consumed_at=timezone.now(), **links):
        raise ConfirmationUsed()


# --- Execute ---------------------------------------------------------------------------------------
def voice_command_execute(*, user: User, token: str, idempotency: IdempotencyKey | None = None) -> ExecuteOutcome:
    """Carry out a confirmed command. Raises ConfirmationInvalid / Expired / Used (400) and
    whatever the payments services raise (a refused payment leaves the token unused)."""
    claims = _claims(token)
    if claims["u"] != user.pk:
        raise ConfirmationInvalid()
    if claims["i"] == VoiceConfirmation.Intent.PAY:
        return _execute_payment(user=user, claims=claims, idempotency=idempotency)
    return _execute_request(user=user, claims=claims)


def voice_token_moves_money(*, user: User, token: str) -> bool:
    """Whether executing this confirmation pays (so needs the UPI PIN first). Raises
    ConfirmationInvalid / Expired for a bad token, like execute would, without touching the
    database."""
    claims = _claims(token)
    if claims["u"] != user.pk:
        raise ConfirmationInvalid()
    return claims["i"] == VoiceConfirmation.Intent.PAY


def _execute_payment(*, user: User, claims: dict[str, Any], idempotency: IdempotencyKey | None) -> ExecuteOutcome:
    with transaction.atomic():  # inside the idempotent request's transaction when keyed
        row = _locked_confirmation(user=user, claims=claims)
        payee = row.payee
        outcome = payment_send(
            payer=user, payee=payee.vpa, amount=row.amount, note=row.note or "Voice payment",
            kind=Transaction.Kind.VOICE_PAYMENT, channel="voice", idempotency=idempotency,
        )
        if outcome.payee_account.owner_id != payee.pk:  # the VPA now names someone else: undo
            raise ConfirmationInvalid()
        _consume(row, transaction=outcome.transaction)
    return ExecuteOutcome(kind="payment", transfer=outcome)


def _execute_request(*, user: User, claims: dict[str, Any]) -> ExecuteOutcome:
    # One atomic block: a refused request (nothing created) rolls the consumption back too.
    with transaction.atomic():
        row = _locked_confirmation(user=user, claims=claims)
        _consume(row)
        request = money_request_create(requester=user, payer=row.payee.vpa, amount=row.amount, note=row.note)
        VoiceConfirmation.objects.filter(pk=row.pk).update(money_request=request)
    return ExecuteOutcome(kind="request", money_request=request)


def voice_confirmations_purge(*, older_than: timedelta = timedelta(days=30)) -> int:
    """Delete confirmations that were never used and expired more than `older_than` ago."""
    deleted, _ = VoiceConfirmation.objects.filter(
        consumed_at__isnull=True, expires_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
