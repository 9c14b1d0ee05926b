"""Users: one custom model from the first migration, with a normalized phone and a VPA."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower


class SecureBankUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):  # type: ignore[override]
        # `createsuperuser` must work without the registration flow: give staff a VPA too.
        extra_fields.setdefault("vpa", f"{username.lower()}@staff")
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]

    full_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    # Indian mobile, normalized to 10 digits (see accounts.identifiers.normalize_phone).
    phone = models.CharField(max_length=10, null=True, blank=True)
    # UPI ID assigned at registration as <username>@securebank; stored lower case.
    vpa = models.CharField("UPI ID", max_length=128, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SecureBankUserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(
                Lower("email"), name="user_email_ci_unique", condition=~models.Q(email="")
            ),
            models.UniqueConstraint(fields=["phone"], name="user_phone_unique"),
            models.CheckConstraint(condition=models.Q(vpa=Lower("vpa")), name="user_vpa_lowercase"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class UserPin(models.Model):
    """A customer's UPI PIN: a keyed hash (HMAC-SHA256, accounts/pin.py), never the PIN itself,
    with the failed-attempt count and the lock that three wrong PINs set."""

    user = models.OneToOneField(User, primary_key=True, on_delete=models.CASCADE, related_name="upi_pin")
    # hex HMAC-SHA256 of "<user id>:<pin>" under the key named by `key_id`
    pin_hash = models.CharField(max_length=64)
    # first 16 hex digits of SHA-256 of the key: says which (current or retired) key hashed it
    key_id = models.CharField(max_length=16)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"PIN of user {self.user_id}"
