"""Single-use QR payment codes: issue, inspect, redeem.

A code is a `QRPayment` row plus a token: AES-256-GCM (chain.crypto) over
    {"v": 1, "id": <qr id>, "payee": <payee VPA>, "amount": "500.00" | null, "exp": <unix s>, "nonce": <hex>}
The row is authoritative (status, amount, expiry); the token proves the code was issued by us
(authenticated encryption under QR_ENCRYPTION_KEY or a still-configured old key) and its
nonce binds it to the row. Redeeming locks the row and pays through
`ledger.services.transfer_create` inside one durable transaction, so limits, fraud scoring,
notifications and the chain all apply, and the code is consumed exactly once, together with
the money or not at all.
"""

from __future__ import annotations

import base64
import io
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs, urlencode, urlsplit
from uuid import UUID

import qrcode
from django.db import transaction
from django.utils import timezone
from qrcode.util import MODE_8BIT_BYTE, QRData

from accounts.models import User
from chain.crypto import TokenInvalid, token_open, token_seal
from chain.exceptions import QRAlreadyUsed, QRAmountFixed, QRAmountRequired, QRExpired, QRInvalid
from chain.keys import qr_keyring
from chain.models import QRPayment
from ledger.exceptions import AccountFrozen, AccountNotFound, PayeeNotFound, SelfTransfer
from ledger.models import Account, IdempotencyKey, Transaction
from ledger.selectors import account_primary_for_user_id
from ledger.services import TransferOutcome, transfer_create
from securebank.money import format_amount

CLAIMS_VERSION = 1
DEFAULT_TTL = timedelta(minutes=15)
MIN_TTL = timedelta(minutes=1)
MAX_TTL = timedelta(hours=24)
LINK_PARAM = "sbqr"


@dataclass(frozen=True)
class QRClaims:
    qr_id: UUID
    payee_vpa: str
    amount: Decimal | None
    expires_at: datetime
    nonce: str


@dataclass(frozen=True)
class QRIssued:
    qr: QRPayment
    token: str
    link: str


@dataclass(frozen=True)
class QRRedemption:
    qr: QRPayment
    outcome: TransferOutcome


# --- Token claims --------------------------------------------------------------------------------
def claims_encode(claims: QRClaims) -> bytes:
    return json.dumps(
        {
            "v": CLAIMS_VERSION,
            "id": str(claims.qr_id),
            "payee": claims.payee_vpa,
            "amount": format_amount(claims.amount),
            "exp": int(claims.expires_at.timestamp()),
            "nonce": claims.nonce,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def claims_decode(plaintext: bytes) -> QRClaims:
    """Claims of an authentic token; QRInvalid if its shape is wrong (a bug or a foreign key)."""
    try:
        data = json.loads(plaintext)
        if data["v"] != CLAIMS_VERSION or not isinstance(data["exp"], int) or isinstance(data["exp"], bool):
            raise ValueError("claims version")
        amount = data["amount"]
        return QRClaims(
            qr_id=UUID(data["id"]),
            payee_vpa=str(data["payee"]),
            amount=None if amount is None else Decimal(amount),
            expires_at=datetime.fromtimestamp(data["exp"], tz=UTC),
            nonce=str(data["nonce"]),
        )
    except (ValueError, KeyError, TypeError, InvalidOperation, OverflowError) as exc:
        raise QRInvalid() from exc


def token_from_qr_data(qr_data: str) -> str:
    """The token inside what a scanner read: a `upi://pay?...&sbqr=<token>` link or the bare token."""
    text = (qr_data or "").strip()
    if text.lower().startswith("upi:"):
        values = parse_qs(urlsplit(text).query).get(LINK_PARAM)
        if not values:
            raise QRInvalid()
        text = values[0]
    return text


def qr_claims_read(qr_data: str) -> QRClaims:
    """Decrypt and authenticate; any failure (bit flip, unknown key id, wrong key) -> QRInvalid."""
    try:
        plaintext, _kid = token_open(token_from_qr_data(qr_data), qr_keyring().by_id)
    except TokenInvalid as exc:
        raise QRInvalid() from exc
    return claims_decode(plaintext)


# --- Issuing -------------------------------------------------------------------------------------
def qr_link(*, qr: QRPayment, token: str, payee_name: str, payee_vpa: str) -> str:
    """A UPI-style deep link carrying the token (what the QR image encodes)."""
    params = {"pa": payee_vpa, "pn": payee_name}
    if qr.amount is not None:
        params["am"] = format_amount(qr.amount)
    params["cu"] = "INR"
    if qr.note:
        params["tn"] = qr.note
    params["tr"] = str(qr.id)
    params[LINK_PARAM] = token
    return "upi://pay?" + urlencode(params)


def qr_png_data_uri(text: str) -> str:
    """The link as a PNG QR code, one byte-mode segment (ISO/IEC 18004 8-bit byte mode).

    qrcode's default splits the text into numeric/alphanumeric/byte segments; a long run of
    digits (a payee named "000...0") then packs into a data block of zero codewords, on which its
    Reed-Solomon step fails with `ValueError: glog(0)` (python-qrcode #330, unreleased in 8.2).
    The link is percent-encoded ASCII, and in byte mode every codeword carries the high nibble
    of a printable character (>= 2), so no block is ever all zeros, whatever the payload.
    """
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=2)
    code.add_data(QRData(text.encode("utf-8"), mode=MODE_8BIT_BYTE))
    code.make(fit=True)
    image = code.make_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def qr_create(*, payee: User, amount: Decimal | None, note: str = "", expires_in: timedelta = DEFAULT_TTL) -> QRIssued:
    """Issue a code that pays `payee` (`amount`, or any amount the payer enters when None)."""
    if not MIN_TTL <= expires_in <= MAX_TTL:
        raise ValueError("expires_in outside 1 minute .. 24 hours")  # the serializer bounds it
    account = account_primary_for_user_id(user_id=payee.pk)
    if account is None:
        raise AccountNotFound("You have no account to receive into.")
    if account.status == Account.Status.FROZEN:
        raise AccountFrozen("Your account cannot receive money right now.")
    keyring = qr_keyring()
    # Whole seconds: the token carries the expiry as a unix time.
    expires_at = timezone.now().replace(microsecond=0) + expires_in
    qr = QRPayment.objects.create(
        payee=payee, amount=amount, note=note, token_nonce=secrets.token_hex(16),
        key_id=keyring.current_id.hex(), expires_at=expires_at,
    )
    claims = QRClaims(qr_id=qr.id, payee_vpa=payee.vpa, amount=amount, expires_at=expires_at, nonce=qr.token_nonce)
    token = token_seal(key=keyring.current, plaintext=claims_encode(claims))
    return QRIssued(qr=qr, token=token, link=qr_link(qr=qr, token=token, payee_name=payee.display_name, payee_vpa=payee.vpa))


# --- Paying --------------------------------------------------------------------------------------
def _checked(qr: QRPayment | None, claims: QRClaims, payer: User) -> QRPayment:
    if qr is None or not secrets.compare_digest(qr.token_nonce, claims.nonce):
        raise QRInvalid()  # authentic, but not a code this database issued
    if qr.amount != claims.amount or qr.expires_at != claims.expires_at:
        raise QRInvalid()  # the row no longer says what the payee's code says: never guess
    if qr.status == QRPayment.Status.PAID:
        raise QRAlreadyUsed()
    if qr.expires_at <= timezone.now():
        raise QRExpired()
    if qr.payee_id == payer.pk:
        raise SelfTransfer("You cannot pay your own QR code.")
    return qr


def _amount_to_pay(qr: QRPayment, amount: Decimal | None, *, required: bool) -> Decimal | None:
    if qr.amount is not None:
        if amount is not None:
            raise QRAmountFixed()
        return qr.amount
    if amount is None and required:
        raise QRAmountRequired()
    return amount


def qr_inspect(*, payer: User, qr_data: str, amount: Decimal | None = None) -> tuple[QRPayment, Decimal | None]:
    """What the payer is about to pay (no money moves): the code and the amount, if known."""
    claims = qr_claims_read(qr_data)
    qr = _checked(QRPayment.objects.select_related("payee").filter(pk=claims.qr_id).first(), claims, payer)
    return qr, _amount_to_pay(qr, amount, required=False)


def qr_redeem(
    *, payer: User, qr_data: str, amount: Decimal | None = None, idempotency: IdempotencyKey | None = None
) -> QRRedemption:
    """Pay the code: one atomic block (inside the idempotent request's transaction) locks the
    QR row, moves the money through `transfer_create`, and marks the code paid. A declined payment is recorded (by the ledger)
    but leaves the code unpaid; a held one consumes it (the money is reserved for the payee)."""
    claims = qr_claims_read(qr_data)
    with transaction.atomic():
        qr = _checked(QRPayment.objects.select_for_update().filter(pk=claims.qr_id).first(), claims, payer)
        pay = _amount_to_pay(qr, amount, required=True)
        payee_account = account_primary_for_user_id(user_id=qr.payee_id)
        if payee_account is None:
            raise PayeeNotFound()
        outcome = transfer_create(
            payer=payer, payee_account=payee_account, amount=pay, kind=Transaction.Kind.QR_PAYMENT,
            channel="qr", description=qr.note, idempotency=idempotency,
        )
        if outcome.transaction.status in (Transaction.Status.COMPLETED, Transaction.Status.HELD):
            qr.status = QRPayment.Status.PAID
            qr.paid_at = timezone.now()
            qr.paid_by = payer
            qr.transaction = outcome.transaction
            qr.save(update_fields=["status", "paid_at", "paid_by", "transaction"])
    return QRRedemption(qr=qr, outcome=outcome)
