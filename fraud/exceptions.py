from rest_framework import status

from securebank.errors import DomainError


class AlertNotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    message = "Fraud alert not found."


class AlertAlreadyReviewed(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "alert_closed"
    message = "This alert has already been closed."


class ReviewNotAllowed(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"
    message = "Only fraud operators (staff) may review alerts."


class ModelNotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "model_not_found"
    message = "No such fraud model version."
