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
