"""Read-only views of money requests: state changes go through the services (and their
notifications), never through the admin."""

from django.contrib import admin

from payments.models import MoneyRequest
from securebank.admin import ReadOnlyAdmin


@admin.register(MoneyRequest)
class MoneyRequestAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "requester", "payer", "amount", "status", "expires_at")
    list_filter = ("status",)
    search_fields = ("id", "requester__username", "payer__username", "requester__vpa", "payer__vpa")
    raw_id_fields = ("requester", "payer", "transaction")

