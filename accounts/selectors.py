"""Reads for users."""

from __future__ import annotations

from accounts.identifiers import normalize_phone, normalize_vpa
from accounts.models import User


def username_taken(*, username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()


def email_taken(*, email: str, exclude_user_id: int | None = None) -> bool:
    qs = User.objects.filter(email__iexact=email)
    if exclude_user_id is not None:
        qs = qs.exclude(pk=exclude_user_id)
    return qs.exists()


def phone_taken(*, phone: str, exclude_user_id: int | None = None) -> bool:
    qs = User.objects.filter(phone=phone)
    if exclude_user_id is not None:
        qs = qs.exclude(pk=exclude_user_id)
    return qs.exists()


def vpa_taken(*, vpa: str) -> bool:
    return User.objects.filter(vpa=vpa.lower()).exists()


def user_find_by_login(*, identifier: str) -> User | None:
    """Login identifier: a phone number, an email, or a username (exact, case-insensitive)."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    phone = normalize_phone(identifier)
    if phone:
        return User.objects.filter(phone=phone).first()
    if "@" in identifier:
        return User.objects.filter(email__iexact=identifier).first()
    return User.objects.filter(username__iexact=identifier).first()


def user_find_by_vpa(*, vpa: str) -> User | None:
    normalized = normalize_vpa(vpa)
    return User.objects.filter(vpa=normalized, is_active=True).first() if normalized else None


def user_find_by_phone(*, phone: str) -> User | None:
    normalized = normalize_phone(phone)
    return User.objects.filter(phone=normalized, is_active=True).first() if normalized else None


def user_find_by_username(*, username: str) -> User | None:
    return User.objects.filter(username__iexact=username.strip(), is_active=True).first()


def user_get(*, user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()
