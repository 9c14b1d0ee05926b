"""The schema says what the API accepts: every pattern and rule the schema puts on an input
agrees with the parser behind it, so data the schema calls valid is accepted (what the fuzzer's
positive_data_acceptance check measures) and the schema refuses what the server refuses."""

from __future__ import annotations

import re
from decimal import Decimal

import jsonschema
import pytest
from rest_framework import serializers

from accounts.identifiers import USERNAME_RE, normalize_phone, normalize_username
from accounts.serializers import LoginInput, PinField
from fraud.serializers import CheckInput
from ledger.serializers import TransferInput
from notifications.serializers import MarkReadInput
from securebank.errors import DomainError
from securebank.idempotency_http import KEY_PATTERN
from securebank.money import parse_amount
from securebank.openapi import NON_BLANK, money_pattern

pytestmark = pytest.mark.django_db

AMOUNTS = ["1", "1.5", "1.50", "0.01", "0.1", "0", "0.0", "0.00", "01", "1.234", "-1", "+1", "1e3", "1,000",
           "99999.99", "100000", "100000.0", "100000.00", "100000.01", "100000.1", "100001", "123456", "999999.99",
           "2500.50", "2500.5", "2500.51", "2500.6", "2499.99", "2501", "1999", "", ".5", "5."]


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _accepted(parse, value) -> bool:
    try:
        parse(value)
    except (DomainError, serializers.ValidationError):
        return False
    return True


@pytest.mark.parametrize("maximum", ["100000.00", "2500.50", "2500.00", "10.00"])
@pytest.mark.parametrize("allow_zero", [False, True])
def test_money_pattern_is_exactly_parse_amount(maximum, allow_zero):
    pattern = re.compile(money_pattern(maximum=maximum, allow_zero=allow_zero))
    for value in AMOUNTS:
        server = _accepted(lambda v: parse_amount(v, maximum=Decimal(maximum), allow_zero=allow_zero), value)
        assert bool(pattern.match(value)) == server, (value, maximum, allow_zero)


def test_non_blank_is_exactly_what_a_trimmed_char_field_accepts():
    field = serializers.CharField()
    samples = [chr(code) for code in range(0x3100)] + [" a ", "\x1c\x1ca", "\ufeff", "\x00a", "a\x00"]
    for value in samples:
        assert bool(re.match(NON_BLANK, value)) == _accepted(field.run_validation, value), repr(value)


def test_pin_pattern_is_the_pin_field(schema):
    pattern = schema["components"]["schemas"]["PinSetInputRequest"]["properties"]["pin"]["pattern"]
    for value in ["1234", "123456", "12345", "123", "1234567", "12a4", "١٢٣٤", "", " 1234"]:
        assert bool(re.match(pattern, value)) == _accepted(PinField().run_validation, value), value


def test_idempotency_key_pattern_is_the_header_rule(schema):
    parameter = next(p for p in schema["paths"]["/api/payments/send"]["post"]["parameters"] if p["name"] == "Idempotency-Key")
    assert parameter["schema"]["pattern"] == KEY_PATTERN
    for key, ok in [("a", True), ("k-1_2.3~!", True), ("x" * 255, True), ("x" * 256, False), ("", False),
                    ("with space", False), ("é", False), ("tab\t", False)]:
        assert bool(re.match(KEY_PATTERN, key)) == ok, key


def _component(schema: dict, name: str) -> dict:
    return {**schema["components"]["schemas"][name], "components": schema["components"]}


@pytest.mark.parametrize(("component", "serializer", "bodies"), [
    ("TransferInputRequest", TransferInput, [
        {"amount": "1.00", "to_account": "123"}, {"amount": "1.00", "to_username": "bob"},
        {"amount": "1.00", "to_account": "123", "to_username": "bob"}, {"amount": "1.00"},
    ]),
    ("CheckInputRequest", CheckInput, [
        {"amount": "1.00", "to_vpa": "bob@securebank"}, {"amount": "1.00", "to_phone": "9876543210"},
        {"amount": "1.00", "to_vpa": "bob@securebank", "to_account": "1"}, {"amount": "1.00"},
    ]),
    ("LoginInputRequest", LoginInput, [
        {"password": "x", "username": "bob"}, {"password": "x", "identifier": "bob"},
        {"password": "x", "username": "bob", "identifier": "bob"}, {"password": "x"},
        {"password": "x", "username": " "},
    ]),
    ("MarkReadInputRequest", MarkReadInput, [
        {"ids": [1]}, {"all": True}, {"ids": [1], "all": False}, {"ids": [1], "all": True}, {"all": False},
        {"ids": []}, {}, {"ids": [], "all": True},
    ]),
])
def test_one_of_rules_match_the_serializers(schema, component, serializer, bodies):
    validator = jsonschema.Draft202012Validator(_component(schema, component))
    for body in bodies:
        assert validator.is_valid(body) == serializer(data=body).is_valid(), body


def test_register_username_and_phone_patterns_are_what_registration_accepts(schema):
    properties = schema["components"]["schemas"]["RegisterInputRequest"]["properties"]
    username = properties["username"]["pattern"]
    for value in ["bob", "Bob.Smith", "b_1-2", "ab", "_bob", "bob!", "a" * 30, "a" * 31]:
        if re.match(username, value):
            assert USERNAME_RE.match(normalize_username(value)), value
    phone = next(alt["pattern"] for alt in properties["phone"]["oneOf"] if "pattern" in alt)
    for value in ["9876543210", "+919876543210", "5876543210", "98765", "+91 98765 43210"]:
        if re.match(phone, value):
            assert normalize_phone(value) is not None, value
    assert re.match(phone, "9876543210") and not re.match(phone, "5876543210")


def test_every_payment_taking_a_pin_documents_the_pin_errors(schema):
    """A payment body with `pin` can be answered 403 pin_invalid / pin_not_set and 423 pin_locked."""
    checked = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            component = schema["components"]["schemas"].get(body.get("$ref", "").rsplit("/", 1)[-1], {})
            is_payment = any(p["name"] == "Idempotency-Key" for p in op.get("parameters", []))
            if is_payment and "pin" in component.get("properties", {}):
                checked.append(path)
                assert {"400", "403", "423"} <= set(op["responses"]), (method, path, sorted(op["responses"]))
    assert {"/api/blockchain/verify-qr", "/api/speech/execute", "/api/payments/send"} <= set(checked)


def test_a_body_that_must_hold_one_of_its_fields_is_required(schema):
    """An empty request to these is a 400 (nothing to act on), so the schema may not call it valid."""
    for path in ("/api/notifications/read", "/api/auth/login", "/api/transactions/transfer"):
        assert schema["paths"][path]["post"]["requestBody"]["required"] is True, path
