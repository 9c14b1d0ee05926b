"""Read-only views of money requests: state changes go through the services (and their
notifications), never through the admin."""

from django.contrib import admin

from payments.models import MoneyRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MoneyRequest)
class MoneyRequestAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "requester", "payer", "amount", "status", "expires_at")
    list_filter = ("status",)
    search_fields = ("id", "requester__username", "payer__username", "requester__vpa", "payer__vpa")
    raw_id_fields = ("requester", "payer", "transaction")

