"""Writes for users: registration, profile changes, login and logout."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import update_last_login
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import extensions, selectors
from accounts.exceptions import InvalidCredentials, InvalidToken, RefreshRejected, RegistrationRejected
from accounts.identifiers import is_valid_username, normalize_phone, normalize_username
from accounts.models import User


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked against when the user does not exist, so unknown users cost the same time as known
    ones with a wrong password (no user enumeration by timing). Made with the configured hasher."""
    return make_password("securebank-timing-equalizer")


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def token_pair_create(user: User) -> TokenPair:
    refresh = RefreshToken.for_user(user)
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


_USERNAME_TAKEN = "This username is taken."
_EMAIL_TAKEN = "This email is already registered."
_PHONE_TAKEN = "This phone number is already registered."
_PHONE_INVALID = "Enter a 10-digit Indian mobile number (optionally with +91)."


def _taken_errors(*, username: str | None, email: str | None, phone: str | None, vpa: str | None,
                  exclude_user_id: int | None = None) -> dict[str, list[str]]:
    """Which of these identifiers another user already holds (checks are case-insensitive)."""
    errors: dict[str, list[str]] = {}
    if username and (selectors.username_taken(username=username) or (vpa and selectors.vpa_taken(vpa=vpa))):
        errors["username"] = [_USERNAME_TAKEN]
    if email and selectors.email_taken(email=email, exclude_user_id=exclude_user_id):
        errors["email"] = [_EMAIL_TAKEN]
    if phone and selectors.phone_taken(phone=phone, exclude_user_id=exclude_user_id):
        errors["phone"] = [_PHONE_TAKEN]
    return errors


def _integrity_errors(exc: IntegrityError, **identifiers: Any) -> dict[str, list[str]]:
    """A unique constraint fired after the pre-checks passed (a concurrent registration won the
    race). Report it like the pre-check would have, never as a 500."""
    errors = _taken_errors(**identifiers)
    if errors:
        return errors
    text = str(exc).lower()  # constraint names differ per backend; the column names do not
    for needle, field, message in (("phone", "phone", _PHONE_TAKEN), ("email", "email", _EMAIL_TAKEN),
                                   ("username", "username", _USERNAME_TAKEN), ("vpa", "username", _USERNAME_TAKEN)):
        if needle in text:
            return {field: [message]}
    return {"non_field_errors": ["This conflicts with an existing customer."]}


def user_register(*, username: str, email: str, password: str, full_name: str = "", phone: str | None = None) -> User:
    """Create a customer, their VPA and their primary account (with the opening deposit)."""
    username = normalize_username(username)
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    if not is_valid_username(username):
        errors["username"] = ["3-30 characters: letters, digits, '.', '_' or '-', starting with a letter or digit."]
    elif normalize_phone(username) is not None:
        # Login accepts a phone number in place of a username: a phone-shaped username would be ambiguous.
        errors["username"] = ["A username cannot be a phone number."]
    normalized_phone = None
    if phone:
        normalized_phone = normalize_phone(phone)
        if normalized_phone is None:
            errors["phone"] = [_PHONE_INVALID]
    vpa = f"{username}@{settings.VPA_HANDLE}"
    taken = _taken_errors(
        username=None if "username" in errors else username, email=email, phone=normalized_phone, vpa=vpa
    )
    errors = {**taken, **errors}
    candidate = User(username=username, email=email, full_name=full_name.strip(), phone=normalized_phone, vpa=vpa)
    try:
        password_validation.validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise RegistrationRejected(fields=errors)

    candidate.set_password(password)
    try:
        with transaction.atomic(durable=True):
            candidate.save()
            extensions.primary_account_open(user=candidate)
    except IntegrityError as exc:
        raise RegistrationRejected(
            fields=_integrity_errors(exc, username=username, email=email, phone=normalized_phone, vpa=vpa)
        ) from exc
    return candidate


def user_authenticate(*, identifier: str, password: str) -> User:
    """Username, email or phone + password. One error for unknown user and wrong password."""
    user = selectors.user_find_by_login(identifier=identifier)
    if user is None:
        check_password(password, _dummy_hash())
        raise InvalidCredentials()
    if not user.check_password(password) or not user.is_active:
        raise InvalidCredentials()
    update_last_login(None, user)
    return user


def token_refresh(*, refresh: str) -> TokenPair:
    """Rotate a refresh token: the presented one is blacklisted and a new pair is issued.

    The token's outstanding row is locked first, so two concurrent refreshes with the same token
    cannot both succeed: the second waits, then finds the token blacklisted.
    """
    try:
        token = RefreshToken(refresh)  # signature, expiry, type and blacklist
    except TokenError as exc:
        raise RefreshRejected() from exc
    jti = token.get(settings.SIMPLE_JWT.get("JTI_CLAIM", "jti"))
    user_id = token.get(settings.SIMPLE_JWT["USER_ID_CLAIM"])
    with transaction.atomic(durable=True):
        outstanding = OutstandingToken.objects.select_for_update().filter(jti=jti).first()
        if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
            raise RefreshRejected()  # every refresh token SecureBank issues is recorded when issued
        user = User.objects.filter(pk=user_id).first() if user_id is not None else None
        if user is None or not user.is_active:
            raise RefreshRejected()
        BlacklistedToken.objects.create(token=outstanding)
        return token_pair_create(user)


def user_logout(*, user: User, refresh: str) -> None:
    """Blacklist the refresh token (it must belong to `user`)."""
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise InvalidToken() from exc
    if str(token.get(settings.SIMPLE_JWT["USER_ID_CLAIM"])) != str(user.pk):
        raise InvalidToken()
    token.blacklist()


def user_profile_update(*, user: User, full_name: str | None = None, email: str | None = None, phone: str | None = None) -> User:
    errors: dict[str, list[str]] = {}
    if email is not None:
        email = email.strip().lower()
        if email and selectors.email_taken(email=email, exclude_user_id=user.pk):
            errors["email"] = [_EMAIL_TAKEN]
    normalized_phone = None
    if phone:
        normalized_phone = normalize_phone(phone)
        if normalized_phone is None:
            errors["phone"] = [_PHONE_INVALID]
        elif selectors.phone_taken(phone=normalized_phone, exclude_user_id=user.pk):
            errors["phone"] = [_PHONE_TAKEN]
    if errors:
        raise RegistrationRejected("The profile change is invalid.", fields=errors)
    before = (user.full_name, user.email, user.phone)
    if full_name is not None:
        user.full_name = full_name.strip()
    if email is not None:
        user.email = email
    if phone is not None:
        user.phone = normalized_phone
    try:
        with transaction.atomic(durable=True):
            user.save(update_fields=["full_name", "email", "phone", "updated_at"])
    except IntegrityError as exc:
        # A concurrent change took the email or phone after the checks above.
        user.full_name, user.email, user.phone = before
        fields = _integrity_errors(
            exc, username=None, email=email, phone=normalized_phone, vpa=None, exclude_user_id=user.pk
        )
        raise RegistrationRejected("The profile change is invalid.", fields=fields) from exc
    return user
