"""Phone numbers, VPAs and usernames: normalization (pure) and the selectors built on it."""

from __future__ import annotations

import pytest

from accounts import selectors
from accounts.identifiers import is_valid_username, normalize_phone, normalize_username, normalize_vpa
from accounts.tests.factories import make_user


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("9876543210", "9876543210"),
        ("+919876543210", "9876543210"),
        ("+91 98765 43210", "9876543210"),
        ("+91-98765-43210", "9876543210"),
        ("0091 98765 43210", "9876543210"),
        ("919876543210", "9876543210"),
        ("09876543210", "9876543210"),
        ("(98765) 43210", "9876543210"),
        (" 6000000000 ", "6000000000"),
        ("5876543210", None),  # Indian mobiles start with 6-9
        ("987654321", None),
        ("98765432100", None),
        ("+1 9876543210", None),
        ("+9198765432", None),
        ("98765o3210", None),
        ("", None),
        (None, None),
        (9876543210, None),
        ("९८७६५४३२१०", None),  # Devanagari digits are not accepted as a phone number
        ("9८७६५४३२१०", None),
    ],
)
def test_normalize_phone(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("alice@securebank", "alice@securebank"),
        ("Alice.Rao@SecureBank", "alice.rao@securebank"),
        (" bob_1@okaxis ", "bob_1@okaxis"),
        ("9876543210@ybl", "9876543210@ybl"),
        ("alice", None),
        ("alice@", None),
        ("@securebank", None),
        ("a@securebank", None),  # local part needs two characters
        ("alice@secure bank", None),
        ("alice@@securebank", None),
        ("alice@1bank", None),
        ("al ice@securebank", None),
        (None, None),
    ],
)
def test_normalize_vpa(raw, expected):
    assert normalize_vpa(raw) == expected


@pytest.mark.parametrize(
    ("raw", "valid"),
    [("alice", True), ("a.b-c_d", True), ("abc", True), ("ab", False), ("-abc", False), ("a" * 30, True),
     ("a" * 31, False), ("alice!", False), ("ali ce", False)],
)
def test_usernames(raw, valid):
    assert is_valid_username(normalize_username(raw)) is valid


@pytest.mark.django_db
def test_selectors_find_active_users_by_vpa_phone_and_username():
    alice = make_user("alice", phone="9876543210")
    make_user("mallory", phone="9123456780", is_active=False)
    assert selectors.user_find_by_vpa(vpa="ALICE@SecureBank") == alice
    assert selectors.user_find_by_phone(phone="+91 98765 43210") == alice
    assert selectors.user_find_by_username(username=" Alice ") == alice
    assert selectors.user_find_by_vpa(vpa="mallory@securebank") is None
    assert selectors.user_find_by_phone(phone="9123456780") is None
    assert selectors.user_find_by_username(username="mallory") is None
    assert selectors.user_find_by_vpa(vpa="not a vpa") is None
    assert selectors.user_find_by_phone(phone="123") is None
    assert selectors.user_get(user_id=alice.pk) == alice


@pytest.mark.django_db
def test_login_lookup_by_each_identifier():
    alice = make_user("alice", phone="9876543210", email="alice@example.in")
    for identifier in ("alice", "ALICE", "alice@example.in", "ALICE@EXAMPLE.IN", "+91 98765 43210"):
        assert selectors.user_find_by_login(identifier=identifier) == alice
    for identifier in ("", "   ", "bob", "bob@example.in", "9123456780"):
        assert selectors.user_find_by_login(identifier=identifier) is None
