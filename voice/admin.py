from django.contrib import admin

from securebank.admin import ReadOnlyAdmin
from voice.models import VoiceConfirmation


@admin.register(VoiceConfirmation)
class VoiceConfirmationAdmin(ReadOnlyAdmin):
    """Read-only: confirmations are written by the voice services only."""

    list_display = ("id", "user", "intent", "amount", "payee", "source", "created_at", "consumed_at")
    list_filter = ("intent", "source")
    search_fields = ("user__username", "payee__username")
    readonly_fields = [f.name for f in VoiceConfirmation._meta.fields]
