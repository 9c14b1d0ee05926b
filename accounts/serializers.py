"""Input and output shapes for the auth endpoints."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import extensions
from accounts.models import User
from securebank.serializers import StrictSerializer


# The schema says what registration accepts (accounts.services.user_register checks it); the
# fields themselves stay plain CharFields so that its messages stay the ones customers see.
@extend_schema_field({"type": "string", "minLength": 3, "maxLength": 30,
                      "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{2,29}$",
                      "description": "3-30 letters, digits, '.', '_' or '-', starting with a letter or digit; not a phone number."})
class UsernameField(serializers.CharField):
    pass


# (The pattern asks a little more than the rules, a first character that is not a digit: JSON
# Schema has no "at least 8 and not all digits" without lookahead.)
@extend_schema_field({"type": "string", "maxLength": 128, "pattern": r"^[^\x000-9][^\x00]{7,127}$",
                      "description": "At least 8 characters, not all digits, not a common password, not like the username."})
class NewPasswordField(serializers.CharField):
    pass


@extend_schema_field({"type": "string", "maxLength": 20, "pattern": r"^(?:(?:\+91)?[6-9][0-9]{9})?$",
                      "description": "An Indian mobile number (10 digits, +91 optional); empty or null for none."})
class PhoneField(serializers.CharField):
    pass


class RegisterInput(StrictSerializer):
    username = UsernameField(max_length=30)
    email = serializers.EmailField(max_length=254)
    password = NewPasswordField(max_length=128, write_only=True, trim_whitespace=False)
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    phone = PhoneField(max_length=20, required=False, allow_blank=True, allow_null=True, default=None)


class LoginInput(StrictSerializer):
    # "username" is the original frontend's name; "identifier" reads better for phone/email.
    at_least_one_of = ("username", "identifier")
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
    phone = PhoneField(max_length=20, required=False, allow_blank=True, allow_null=True)


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
        return extensions.account_summary(user=user)


class AuthOutput(serializers.Serializer):
    user = UserOutput()
    access = serializers.CharField()
    refresh = serializers.CharField()


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


# --- UPI PIN -------------------------------------------------------------------------------------

class PinField(serializers.CharField):
    """4 or 6 ASCII digits, as a JSON string only (a number would lose a leading zero). Errors
    never quote the value."""

    default_error_messages = {"invalid": "Enter 4 or 6 digits, as a string."}

    def __init__(self, **kwargs):
        kwargs.setdefault("write_only", True)
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("max_length", 6)
        super().__init__(**kwargs)
        self.error_messages["max_length"] = self.default_error_messages["invalid"]

    def to_internal_value(self, data):
        import re

        if not isinstance(data, str) or not re.fullmatch(r"[0-9]{4}|[0-9]{6}", data):
            self.fail("invalid")
        return data


def payment_pin_field() -> PinField:
    """The optional `pin` of every money-moving body (required once the customer has set one;
    accounts.pin.pin_check_for_payment decides)."""
    return PinField(required=False, allow_null=True, allow_blank=True,
                    help_text="The UPI PIN (4 or 6 digits). Required once a PIN is set, or always when PIN_REQUIRED is on.")


class PinSetInput(StrictSerializer):
    pin = PinField()
    pin_confirm = PinField()


class PinChangeInput(StrictSerializer):
    current_pin = PinField()
    new_pin = PinField()


class PinResetInput(StrictSerializer):
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    new_pin = PinField()


class PinVerifyInput(StrictSerializer):
    pin = PinField()


class PinStatusOutput(serializers.Serializer):
    is_set = serializers.BooleanField()
    locked = serializers.BooleanField()
    locked_until = serializers.DateTimeField(allow_null=True)
    attempts_left = serializers.IntegerField(allow_null=True)


# --- People search -------------------------------------------------------------------------------

class UserSearchQuery(StrictSerializer):
    q = serializers.CharField(max_length=100, trim_whitespace=True)


class UserSearchHitOutput(serializers.Serializer):
    user_id = serializers.IntegerField(source="user.pk")
    display_name = serializers.CharField(source="user.display_name")
    username = serializers.CharField(source="user.username")
    vpa = serializers.CharField(source="user.vpa")
    phone = serializers.SerializerMethodField(help_text="Last four digits only, e.g. ******3210")
    is_contact = serializers.BooleanField()
    matched_by = serializers.ChoiceField(choices=["vpa", "phone", "username", "contact"])

    def get_phone(self, hit) -> str | None:
        phone = hit.user.phone
        return f"******{phone[-4:]}" if phone else None


class UserSearchOutput(serializers.Serializer):
    results = UserSearchHitOutput(many=True)
