from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "vpa", "phone", "email", "is_active", "is_staff", "date_joined")
    search_fields = ("username", "phone", "vpa", "email", "full_name")
    ordering = ("-date_joined",)
    readonly_fields = ("vpa", "date_joined", "last_login", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Customer", {"fields": ("full_name", "email", "phone", "vpa")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined", "created_at", "updated_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2")}),
    )

    def save_model(self, request, obj, form, change):
        if not obj.vpa:
            obj.vpa = f"{obj.username.lower()}@staff"
        super().save_model(request, obj, form, change)
