"""The exact Indian number reader: exhaustive over small numbers, property-tested to 99 crore."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voice.numbers import NumberError, number_from_tokens
from voice.tests.wording import indian_digits, indian_words

MAX = 99_99_99_999


def read(words: str) -> Decimal:
    return number_from_tokens(words.split())


def test_wording_helper_itself():
    assert indian_words(12_34_56_789) == (
        "twelve crore thirty four lakh fifty six thousand seven hundred eighty nine"
    )
    assert indian_words(100_005, with_and=True) == "one lakh and five"
    assert indian_digits(12_34_567) == "12,34,567"
    assert indian_digits(100_000) == "1,00,000"


def test_every_number_below_ten_thousand_both_styles():
    for n in range(10_000):
        assert read(indian_words(n)) == n
        assert read(indian_words(n, with_and=True)) == n


@settings(max_examples=2000, deadline=None)
@given(st.integers(min_value=0, max_value=MAX), st.booleans())
def test_any_integer_up_to_99_crore_reads_back_exactly(n, with_and):
    assert read(indian_words(n, with_and=with_and)) == n


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=99), st.sampled_from(["thousand", "lakh", "crore"]))
def test_scale_words_multiply_exactly(multiplier, scale):
    factor = {"thousand": 1_000, "lakh": 100_000, "crore": 10_000_000}[scale]
    assert read(f"{indian_words(multiplier)} {scale}") == multiplier * factor


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("two lakh", 200_000),  # word2number famously says 2
        ("one lakh fifty thousand", 150_000),
        ("twenty five hundred", 2_500),
        ("fifteen hundred", 1_500),
        ("a hundred", 100),
        ("three hundred and fifty", 350),
        ("one thousand two hundred fifty", 1_250),
        ("ten lakh", 1_000_000),
        ("one crore", 10_000_000),
        ("two fifty", 250),
        ("twelve fifty", 1_250),
        ("hundred", 100),
        ("thousand", 1_000),
        ("one and a half lakh", 150_000),
        ("half a lakh", 50_000),
        ("ten point five", Decimal("10.5")),
        ("fourty", 40),
    ],
)
def test_spoken_forms(words, expected):
    assert read(words) == Decimal(expected)


def test_digit_groups_with_scales():
    assert number_from_tokens([Decimal("1.5"), "lakh"]) == 150_000
    assert number_from_tokens([Decimal(2), "lakh", Decimal(50), "thousand"]) == 250_000
    assert number_from_tokens([Decimal("2.5"), "k"]) == 2_500
    assert number_from_tokens([Decimal("1.25"), "crore"]) == 12_500_000


@pytest.mark.parametrize(
    "words",
    [
        "one two",  # two values in a row
        "twenty fifty",
        "five thousand two lakh",  # scales must decrease
        "thousand thousand",
        "hundred hundred",
        "one hundred two hundred",
        "and",
        "and five",
        "five and",
        "a",
        "a five",
        "point five",
        "ten point",
        "one thousand crore lakh",
        "two and a half and a half",
    ],
)
def test_malformed_numbers_are_refused(words):
    with pytest.raises(NumberError):
        read(words)


def test_two_digit_groups_in_a_row_are_refused():
    with pytest.raises(NumberError):
        number_from_tokens([Decimal(500), Decimal(50)])
    with pytest.raises(NumberError):
        number_from_tokens([Decimal(1000), "lakh"])  # multiplier must be below 1000
