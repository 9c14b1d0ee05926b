"""Input and output shapes for the auth endpoints."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import User
from securebank.serializers import StrictSerializer


class RegisterInput(StrictSerializer):
    username = serializers.CharField(max_length=30)
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, allow_null=True, default=None)


class LoginInput(StrictSerializer):
    # "username" is the original frontend's name; "identifier" reads better for phone/email.
    username = serializers.CharField(max_length=254, required=False)
    identifier = serializers.CharField(max_length=254, required=False)
    password = serializers.CharField(max_length=128, trim_whitespace=False)

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("username") and not attrs.get("identifier"):
            raise serializers.ValidationError({"username": ["Username, email or phone is required."]})
        return attrs


class RefreshInput(StrictSerializer):
    refresh = serializers.CharField()


class ProfileInput(StrictSerializer):
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, allow_null=True)


class AccountSummary(serializers.Serializer):
    account_number = serializers.CharField()
    currency = serializers.CharField()
    balance = serializers.CharField()
    held = serializers.CharField()
    available = serializers.CharField()
    status = serializers.CharField()


class UserOutput(serializers.ModelSerializer):
    upi_id = serializers.CharField(source="vpa", read_only=True)
    # Not EmailField: the schema would say format "email", and "" (no email given) is not one.
    email = serializers.CharField(read_only=True, help_text="Empty when none was given.")
    account = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "email", "full_name", "phone", "vpa", "upi_id", "is_staff", "created_at", "account"]
        read_only_fields = fields

    def get_account(self, user: User) -> dict | None:
        from ledger.selectors import account_summary_for_user  # apps talk through selectors

        return account_summary_for_user(user=user)


class AuthOutput(serializers.Serializer):
    user = UserOutput()
    access = serializers.CharField()
    refresh = serializers.CharField()


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
