from rest_framework import status

from securebank.errors import DomainError


class InvalidCredentials(DomainError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = "invalid_credentials"
    message = "Invalid credentials."


class RegistrationRejected(DomainError):
    code = "validation_error"
    message = "The registration is invalid."


class InvalidToken(DomainError):
    code = "invalid_token"
    message = "Token is invalid or expired."


class RefreshRejected(DomainError):
    """Expired, forged, already rotated, logged out, or its user is gone or inactive: one answer."""

    status_code = status.HTTP_401_UNAUTHORIZED
    code = "authentication_failed"
    message = "Token is invalid or expired."


# --- UPI PIN (accounts/pin.py). No message or field ever contains a PIN. -----------------------

class PinError(DomainError):
    code = "pin_error"


class PinInvalid(PinError):
    """Wrong PIN; the error carries `attempts_left` before the lock."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "pin_invalid"
    message = "Incorrect UPI PIN."


class PinLocked(PinError):
    """Too many wrong PINs; the error carries `locked_until` (ISO 8601)."""

    status_code = status.HTTP_423_LOCKED
    code = "pin_locked"
    message = "Too many incorrect UPI PINs: payments are locked. Try again later or reset the PIN."


class PinRequired(PinError):
    status_code = status.HTTP_400_BAD_REQUEST
    code = "pin_required"
    message = "Enter your UPI PIN to pay."


class PinNotSet(PinError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "pin_not_set"
    message = "Set a UPI PIN first (POST /api/pin)."


class PinAlreadySet(PinError):
    status_code = status.HTTP_409_CONFLICT
    code = "pin_already_set"
    message = "A UPI PIN is already set: change or reset it instead."


class PinMismatch(PinError):
    code = "pin_mismatch"
    message = "The two PINs do not match."


class PinFormatInvalid(PinError):
    code = "validation_error"
    message = "The request is invalid."


class PasswordInvalid(PinError):
    """Reset with a wrong account password (403, not 401: the session itself is fine)."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "invalid_password"
    message = "The account password is incorrect."
