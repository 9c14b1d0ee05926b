from rest_framework import status

from securebank import idempotency_http
from securebank.errors import DomainError


class InsufficientFunds(DomainError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "insufficient_funds"
    message = "Insufficient funds."


class AccountFrozen(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "account_frozen"
    message = "The account is frozen."


class SelfTransfer(DomainError):
    code = "self_transfer"
    message = "You cannot send money to your own account."


class LimitExceeded(DomainError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "limit_exceeded"
    message = "The daily transfer limit would be exceeded."


class PayeeNotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "payee_not_found"
    message = "No customer matches that payee."


class AccountNotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "account_not_found"
    message = "Account not found."


class TransactionNotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    message = "Transaction not found."


class TransactionStateConflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "invalid_state"
    message = "The transaction is not in a state that allows this."


class TransactionDeclined(DomainError):
    """Raised to the API after a declined transaction has been recorded (and committed)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "transaction_declined"
    message = "The payment was declined by risk checks."


class IdempotencyConflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "idempotency_conflict"
    message = "This Idempotency-Key was already used with a different request."


class RequestInProgress(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "request_in_progress"
    message = "A request with this Idempotency-Key is still being processed. Retry shortly."


InvalidIdempotencyKey = idempotency_http.InvalidIdempotencyKey  # the header is parsed by the HTTP half


class AlreadyExecuted(Exception):
    """Internal guard: an idempotency record links one transaction. A freshly claimed record owns
    none, so this is a programming error (a 500), never an answer."""

    def __init__(self, transaction_id):
        self.transaction_id = transaction_id
        super().__init__(str(transaction_id))


class RefusedAfterWriting(RuntimeError):
    """Internal guard: a posting refuses only before it writes (`ledger.services.posting.post`
    runs without a savepoint in its caller's transaction). A refusal after a write is a
    programming error: a 500, the whole transaction rolled back, never a stored answer."""
