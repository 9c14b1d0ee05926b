"""Payments refusals (payee lookup failures are `ledger.exceptions.PayeeNotFound`)."""

from rest_framework import status

from securebank.errors import DomainError, NotFound


class PayerNotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "payer_not_found"
    message = "No customer matches that payer."


class SelfRequest(DomainError):
    code = "self_request"
    message = "You cannot request money from yourself."


class InvalidExpiry(DomainError):
    code = "invalid_expiry"
    message = "A request must expire between 1 minute and 7 days from now."


class MoneyRequestNotFound(NotFound):
    code = "not_found"
    message = "Money request not found."


class MoneyRequestNotPending(DomainError):
    """Acting on a request that is already paid, declined, cancelled or expired.

    The body carries the current status: {"error": {..., "status": "paid"}}.
    """

    status_code = status.HTTP_409_CONFLICT
    code = "request_not_pending"
    message = "This request is no longer pending."
