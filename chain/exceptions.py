from rest_framework import status

from securebank.errors import DomainError


class QRInvalid(DomainError):
    """Malformed, altered, unknown key, or not issued by us: one answer for all of them."""

    code = "qr_invalid"
    message = "This QR code is not valid."


class QRExpired(DomainError):
    status_code = status.HTTP_410_GONE
    code = "qr_expired"
    message = "This QR code has expired."


class QRAlreadyUsed(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "qr_already_used"
    message = "This QR code has already been paid."


class QRAmountRequired(DomainError):
    code = "qr_amount_required"
    message = "This QR code has no fixed amount: give the amount to pay."


class QRAmountFixed(DomainError):
    code = "qr_amount_fixed"
    message = "This QR code has a fixed amount: do not give one."


class NotSealed(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "not_sealed"
    message = "The transaction is not sealed in a block yet."


class BlockNotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    message = "Block not found."
