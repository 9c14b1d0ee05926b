"""Reads for users."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce

from django.db.models import Q

from accounts import extensions
from accounts.identifiers import normalize_phone, normalize_username, normalize_vpa
from accounts.models import User

SEARCH_LIMIT = 10


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


def users_in_bulk(*, user_ids: list[int]) -> dict[int, User]:
    return User.objects.in_bulk(user_ids)


def user_get(*, user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()


@dataclass(frozen=True)
class SearchHit:
    user: User
    is_contact: bool
    matched_by: str  # "vpa" | "phone" | "username" (exact, anyone) or "contact" (a contact's text)


def _exact_matches(*, q: str) -> Q | None:
    """Full VPA, phone or username: these name one customer, so anyone may be found by them."""
    vpa, phone = normalize_vpa(q), normalize_phone(q)
    if vpa:
        return Q(vpa=vpa)
    if phone:
        return Q(phone=phone)
    username = normalize_username(q)
    return Q(username__iexact=username) if username else None


def _contact_text(*, q: str) -> Q:
    text = Q(full_name__icontains=q) | Q(username__icontains=q) | Q(vpa__icontains=q)
    digits = "".join(ch for ch in q if ch.isascii() and ch.isdigit())
    if digits and len(digits) == len(q.replace(" ", "").lstrip("+")):  # a phone fragment
        text |= Q(phone__contains=digits[-10:])
    return text


def user_search(*, user: User, q: str, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """The payee picker: the caller's contacts whose name, username, VPA or phone contains `q`,
    plus an exact VPA / phone / username match of anyone. Never lists customers at large: a
    stranger is found only by an identifier that names them exactly. At most `limit` (10)."""
    q = (q or "").strip()
    if not q:
        return []
    limit = max(1, min(limit, SEARCH_LIMIT))
    people = User.objects.filter(is_active=True).exclude(pk=user.pk)
    # Contacts come from the money and the requests (accounts.extensions names the sources).
    is_contact = reduce(operator.or_, (Q(pk__in=ids) for ids in extensions.contact_id_sources(user=user)), Q(pk__in=[]))
    found: dict[int, SearchHit] = {}
    exact = _exact_matches(q=q)
    if exact is not None:
        person = people.filter(exact).first()
        if person is not None:
            kind = "vpa" if "@" in q else ("phone" if normalize_phone(q) else "username")
            contact = people.filter(is_contact, pk=person.pk).exists()
            found[person.pk] = SearchHit(user=person, is_contact=contact, matched_by=kind)
    contacts = (
        people.filter(is_contact).filter(_contact_text(q=q)).exclude(pk__in=list(found))
        .order_by("full_name", "username")[: limit - len(found)]
    )
    for person in contacts:
        found[person.pk] = SearchHit(user=person, is_contact=True, matched_by="contact")
    return list(found.values())
