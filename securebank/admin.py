from django.contrib import admin

from securebank.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the services only: operators look, nobody adds, edits or deletes here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "object_type", "object_id", "actor")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "note")
