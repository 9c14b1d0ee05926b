"""Writes for users: registration, profile changes, login and logout."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import selectors
from accounts.exceptions import InvalidCredentials, InvalidToken, RegistrationRejected
from accounts.identifiers import is_valid_username, normalize_phone, normalize_username
from accounts.models import User

# Checked against when the user does not exist, so unknown users cost the same time as known
# ones with a wrong password (no user enumeration by timing).
_DUMMY_HASH = make_password("securebank-timing-equalizer")


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def tokens_for(user: User) -> TokenPair:
    refresh = RefreshToken.for_user(user)
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def user_register(*, username: str, email: str, password: str, full_name: str = "", phone: str | None = None) -> User:
    """Create a customer, their VPA and their primary account (with the opening deposit)."""
    username = normalize_username(username)
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    if not is_valid_username(username):
        errors["username"] = ["3-30 characters: letters, digits, '.', '_' or '-', starting with a letter or digit."]
    elif selectors.username_taken(username=username):
        errors["username"] = ["This username is taken."]
    if email and selectors.email_taken(email=email):
        errors["email"] = ["This email is already registered."]
    normalized_phone = None
    if phone:
        normalized_phone = normalize_phone(phone)
        if normalized_phone is None:
            errors["phone"] = ["Enter a 10-digit Indian mobile number (optionally with +91)."]
        elif selectors.phone_taken(phone=normalized_phone):
            errors["phone"] = ["This phone number is already registered."]
    vpa = f"{username}@{settings.VPA_HANDLE}"
    if "username" not in errors and selectors.vpa_taken(vpa=vpa):
        errors["username"] = ["This username is taken."]
    candidate = User(username=username, email=email, full_name=full_name.strip(), phone=normalized_phone, vpa=vpa)
    try:
        password_validation.validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise RegistrationRejected(fields=errors)

    from ledger.services import account_open_primary  # apps talk through services

    with transaction.atomic(durable=True):
        candidate.set_password(password)
        candidate.save()
        account_open_primary(user=candidate)
    return candidate


def user_authenticate(*, identifier: str, password: str) -> User:
    """Username, email or phone + password. One error for unknown user and wrong password."""
    user = selectors.user_find_by_login(identifier=identifier)
    if user is None:
        check_password(password, _DUMMY_HASH)
        raise InvalidCredentials()
    if not user.check_password(password) or not user.is_active:
        raise InvalidCredentials()
    return user


def user_logout(*, user: User, refresh: str) -> None:
    """Blacklist the refresh token (it must belong to `user`)."""
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise InvalidToken() from exc
    if str(token.get(settings.SIMPLE_JWT["USER_ID_CLAIM"])) != str(user.pk):
        raise InvalidToken()
    token.blacklist()


def user_update_profile(*, user: User, full_name: str | None = None, email: str | None = None, phone: str | None = None) -> User:
    errors: dict[str, list[str]] = {}
    if email is not None:
        email = email.strip().lower()
        if email and selectors.email_taken(email=email, exclude_user_id=user.pk):
            errors["email"] = ["This email is already registered."]
    normalized_phone = None
    if phone:
        normalized_phone = normalize_phone(phone)
        if normalized_phone is None:
            errors["phone"] = ["Enter a 10-digit Indian mobile number (optionally with +91)."]
        elif selectors.phone_taken(phone=normalized_phone, exclude_user_id=user.pk):
            errors["phone"] = ["This phone number is already registered."]
    if errors:
        raise RegistrationRejected("The profile change is invalid.", fields=errors)
    if full_name is not None:
        user.full_name = full_name.strip()
    if email is not None:
        user.email = email
    if phone is not None:
        user.phone = normalized_phone
    with transaction.atomic(durable=True):
        user.save(update_fields=["full_name", "email", "phone", "updated_at"])
    return user
