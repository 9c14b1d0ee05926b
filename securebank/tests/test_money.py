"""Money in and out: `parse_amount`, `format_amount`, `MoneyField`, and amounts as they really
arrive, inside JSON bodies read by securebank.parsers.JSONParser."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers

from securebank.errors import InvalidAmount
from securebank.money import MoneyField, format_amount, format_rupees, parse_amount
from securebank.parsers import JSONDecimal

ECHO = "/test/echo"


# --- parse_amount on Python values -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("500", Decimal("500.00")),
        (500, Decimal("500.00")),
        ("500.5", Decimal("500.50")),
        ("500.50", Decimal("500.50")),
        (" 500.50 ", Decimal("500.50")),
        ("0.01", Decimal("0.01")),
        ("100000.00", Decimal("100000.00")),
        (Decimal("12.3"), Decimal("12.30")),
        (JSONDecimal("500.5"), Decimal("500.50")),
        (JSONDecimal("0.10"), Decimal("0.10")),
    ],
)
def test_accepted_amounts(value, expected):
    amount = parse_amount(value)
    assert amount == expected
    assert amount.as_tuple().exponent == -2  # always two places
    assert type(amount) is Decimal


@pytest.mark.parametrize(
    "value",
    [
        "0", 0, "0.00", Decimal("0"),  # zero
        "-5", -5, "-0.01", Decimal("-1"),  # negative
        "1.001", "0.005", JSONDecimal("1.001"), Decimal("1.001"),  # three decimals
        "NaN", "nan", Decimal("NaN"), "Infinity", "-Infinity", "inf", Decimal("Infinity"),
        "1e3", "1E3", "1e-2", JSONDecimal("1e3"), JSONDecimal("1E3"), JSONDecimal("1.5e1"), JSONDecimal("1e-2"),
        JSONDecimal("5.0e0"), Decimal("1E+3"),  # exponents
        True, False,  # booleans are ints in Python, never amounts
        "", "   ", None,  # empty
        "100000.01", 100001, "99999999999999999999",  # above MAX_TRANSFER_AMOUNT / absurd
        "12,000", "1 000", "₹500", "500 INR", "0x10", "+5", ".5", "5.", "05", "١٠٠", "５００",  # formats
        500.5, 0.1, float("nan"), float("inf"),  # floats: never
        [], {}, ["1"], {"amount": "1"}, b"500",  # wrong types
    ],
)
def test_rejected_amounts(value):
    with pytest.raises(InvalidAmount) as info:
        parse_amount(value)
    assert info.value.code == "invalid_amount"
    assert info.value.status_code == 400


def test_zero_allowed_only_when_asked():
    assert parse_amount("0", allow_zero=True) == Decimal("0.00")
    with pytest.raises(InvalidAmount, match="greater than zero"):
        parse_amount("0")


def test_maximum_default_and_override(settings):
    assert parse_amount(str(settings.MAX_TRANSFER_AMOUNT)) == settings.MAX_TRANSFER_AMOUNT
    with pytest.raises(InvalidAmount, match="100000.00"):
        parse_amount("100000.01")
    assert parse_amount("250000", maximum=Decimal("300000")) == Decimal("250000.00")
    with pytest.raises(InvalidAmount, match="limit of 50.00"):
        parse_amount("50.01", maximum=Decimal("50"))


def test_maximum_follows_settings():
    with override_settings(MAX_TRANSFER_AMOUNT=Decimal("10.00")):
        with pytest.raises(InvalidAmount):
            parse_amount("10.01")
        assert parse_amount("10") == Decimal("10.00")


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("5"), "5.00"), (Decimal("5.5"), "5.50"), (Decimal("0.125"), "0.12"), (Decimal("0.135"), "0.14"),
     (10, "10.00"), (None, None), (Decimal("-3.1"), "-3.10")],
)
def test_format_amount(value, text):
    assert format_amount(value) == text


def test_json_decimal_keeps_its_literal_and_behaves_as_a_decimal():
    import copy
    import pickle

    number = JSONDecimal("1.5e1")
    assert number == Decimal("15") and number.literal == "1.5e1"
    assert copy.deepcopy(number).literal == "1.5e1"
    assert pickle.loads(pickle.dumps(number)).literal == "1.5e1"  # noqa: S301 - our own bytes
    assert type(number + 1) is Decimal


# --- MoneyField --------------------------------------------------------------------------------------
class AmountInput(serializers.Serializer):
    amount = MoneyField()


def test_money_field_validation_error_code():
    data = AmountInput(data={"amount": "1.001"})
    assert not data.is_valid()
    assert data.errors["amount"][0].code == "invalid_amount"


def test_money_field_representation():
    class Out(serializers.Serializer):
        amount = MoneyField()

    assert Out({"amount": Decimal("7.5")}).data == {"amount": "7.50"}


# --- Amounts in real JSON bodies ---------------------------------------------------------------------
def post_raw(client, raw: bytes):
    return client.generic("POST", ECHO, b'{"amount": ' + raw + b"}", content_type="application/json")


@pytest.mark.urls("securebank.tests.urls")
@pytest.mark.parametrize(
    ("raw", "expected"),
    [(b"500", "500.00"), (b'"500"', "500.00"), (b"500.5", "500.50"), (b"500.50", "500.50"), (b"0.10", "0.10"),
     (b"0.1", "0.10"), (b'"0.01"', "0.01"), (b"100000", "100000.00"), (b"19.99", "19.99")],
)
def test_json_amounts_accepted_exactly(client, raw, expected):
    resp = post_raw(client, raw)
    assert resp.status_code == 200, resp.content
    assert resp.json() == {"amount": expected}


@pytest.mark.urls("securebank.tests.urls")
@pytest.mark.parametrize(
    "raw",
    [b"0", b"0.00", b"-1", b"-0.5", b"1.001", b"1e3", b"1E3", b'"1e3"', b"1.5e1", b"1e-2", b"15e-1", b"5.0e0", b"1E+2",
     b'"NaN"', b'"Infinity"', b"true", b"false", b'""', b"null", b"[]", b"{}", b"100000.01", b'"100000.01"',
     b"1" + b"0" * 30, b'"\xd9\xa1\xd9\xa0\xd9\xa0"'],
)
def test_json_amounts_rejected_as_invalid_amount(client, raw):
    resp = post_raw(client, raw)
    assert resp.status_code == 400, resp.content
    err = resp.json()["error"]
    assert err["code"] == "invalid_amount", err
    assert "amount" in err["fields"]


@pytest.mark.urls("securebank.tests.urls")
@pytest.mark.parametrize("raw", [b"NaN", b"Infinity", b"-Infinity", b"+5", b".5", b"05", b"0x10"])
def test_json_amounts_that_are_not_json(client, raw):
    resp = post_raw(client, raw)
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "malformed_request"


@pytest.mark.urls("securebank.tests.urls")
def test_missing_amount_is_a_field_error(client):
    resp = client.post(ECHO, json.dumps({}), content_type="application/json")
    assert resp.status_code == 400
    assert resp.json()["error"]["fields"] == {"amount": ["This field is required."]}


# --- format_rupees: the one formatter of money for people -------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0"), "₹0.00"),
        (Decimal("0.5"), "₹0.50"),
        (Decimal("999.99"), "₹999.99"),
        (Decimal("1000"), "₹1,000.00"),
        (Decimal("99999.99"), "₹99,999.99"),
        (Decimal("150000"), "₹1,50,000.00"),
        (Decimal("1234567.8"), "₹12,34,567.80"),
        (Decimal("123456789.01"), "₹12,34,56,789.01"),
        (Decimal("-150000"), "-₹1,50,000.00"),
        (250, "₹250.00"),
        ("100000.50", "₹1,00,000.50"),
    ],
)
def test_format_rupees_uses_indian_digit_grouping(value, expected):
    assert format_rupees(value) == expected


@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=0, max_value=99))
def test_format_rupees_round_trips_and_groups_by_two_after_the_thousands(whole, paise):
    text = format_rupees(Decimal(whole) + Decimal(paise) / 100)
    assert text.startswith("₹")
    digits, _, cents = text[1:].partition(".")
    assert Decimal(digits.replace(",", "") + "." + cents) == Decimal(whole) + Decimal(paise) / 100
    groups = digits.split(",")
    assert len(groups[-1]) == 3 or len(groups) == 1
    assert all(len(g) == 2 for g in groups[1:-1]) and 1 <= len(groups[0]) <= (3 if len(groups) == 1 else 2)
