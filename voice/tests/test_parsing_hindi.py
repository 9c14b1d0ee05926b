"""Hindi and Hinglish commands: the hand-written corpus (every entry exact), the English corpus
still exact and still English, and properties over every amount said in Hindi words."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from securebank.errors import InvalidAmount
from voice.evaluation.commands import COMMANDS
from voice.evaluation.commands_hi import HINDI_COMMANDS
from voice.hindi import FRACTIONS, LEMMAS, NUMBERS, SCALES, fold, language_of
from voice.parsing import PayeeRef, parse_command
from voice.tests.test_parsing import _mismatch
from voice.tests.wording import hindi_words


def test_corpus_is_large_and_covers_both_scripts_and_every_kind():
    assert len(HINDI_COMMANDS) >= 200
    texts = [case["text"] for case in HINDI_COMMANDS]
    assert len(set(texts)) == len(texts), "duplicate commands in the corpus"
    scripts = {case.get("script") for case in HINDI_COMMANDS}
    assert {"latin", "devanagari", "mixed"} <= scripts
    kinds = {case.get("intent", case.get("error")) for case in HINDI_COMMANDS}
    assert kinds == {"pay", "request", "balance", "history", "unknown", "invalid_amount"}
    devanagari = [c for c in HINDI_COMMANDS if c.get("script") == "devanagari"]
    assert len(devanagari) >= 60
    assert sum(1 for c in HINDI_COMMANDS if c.get("missing")) >= 10


def test_every_hindi_command_is_parsed_right():
    failures = {case["text"]: diff for case in HINDI_COMMANDS if (diff := _mismatch(case))}
    assert failures == {}


@pytest.mark.parametrize("case", HINDI_COMMANDS, ids=lambda case: case["text"][:60])
def test_hindi_corpus_case(case):
    assert _mismatch(case) == {}


def test_english_corpus_is_still_english_and_all_right():
    parsed = [case for case in COMMANDS if "error" not in case]
    assert all(parse_command(case["text"]).language == "en" for case in parsed)
    assert {case["text"]: diff for case in COMMANDS if (diff := _mismatch(case))} == {}


def test_a_surname_that_is_a_hindi_number_stays_a_name_in_english():
    assert parse_command("pay rahul das 500").payee == PayeeRef("rahul das", "name")


@pytest.mark.parametrize(("word", "variant"), [
    ("paanch", "panch"), ("hazaar", "hajar"), ("hazaar", "hazar"), ("chahiye", "chahie"),
    ("pachchees", "pachees"), ("हज़ार", "हजार"), ("माँगो", "मांगो"), ("साढ़े", "साढे"), ("terah", "tera"),
])
def test_spelling_variants_mean_the_same(word, variant):
    def meaning(w: str) -> object:
        key = fold(w)
        return next(table[key] for table in (LEMMAS, NUMBERS, SCALES, FRACTIONS) if key in table)

    assert meaning(word) == meaning(variant)


@pytest.mark.parametrize(("text", "language", "script"), [
    ("pay rahul 500", "en", "latin"), ("Rahul ko 500 bhejo", "hi", "latin"),
    ("राहुल को 500 भेजो", "hi", "devanagari"), ("Rahul को 500", "hi", "mixed"),
    ("rahul@ok को 500 भेजो", "hi", "devanagari"),
])
def test_language_and_script(text, language, script):
    assert language_of(text.lower()) == (language, script)


amounts = st.integers(min_value=1, max_value=99_99_99_999)


@settings(max_examples=500, deadline=None)
@given(amounts, st.sampled_from(["latin", "devanagari"]))
def test_every_amount_said_in_hindi_words_parses_back(n, script):
    words = hindi_words(n, script=script)
    text = f"Rahul ko {words} rupaye bhejo" if script == "latin" else f"राहुल को {words} रुपये भेजो"
    intent = parse_command(text)
    assert intent.amount == n, words
    assert intent.language == "hi" and intent.kind == "pay"


@pytest.mark.parametrize("script", ["latin", "devanagari"])
def test_every_amount_below_ten_thousand_exhaustively(script):
    wrong = {}
    for n in range(1, 10_000):
        words = hindi_words(n, script=script)
        got = parse_command(f"Rahul ko {words} rupaye bhejo").amount
        if got != n:
            wrong[n] = (words, got)
    assert wrong == {}


@settings(max_examples=300, deadline=None)
@given(amounts, st.sampled_from(["latin", "devanagari"]))
def test_amount_first_word_order(n, script):
    words = hindi_words(n, script=script)
    text = f"{words} rupaye Neha se maango" if script == "latin" else f"मुझे नेहा से {words} चाहिए"
    intent = parse_command(text)
    assert (intent.kind, intent.amount) == ("request", n)


FRACTION_WORDS = {  # word: (its value given the number n after it)
    "sava": lambda n: n + Decimal("0.25"), "saade": lambda n: n + Decimal("0.5"),
    "paune": lambda n: n - Decimal("0.25"),
}


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(FRACTION_WORDS)), st.integers(min_value=1, max_value=99),
       st.sampled_from([("sau", 100), ("hazaar", 1000), ("lakh", 100_000), ("crore", 10_000_000)]))
def test_fractional_words_scale_exactly(word, n, scale):
    scale_word, value = scale
    if word == "paune" and n == 1:
        n = 2  # "paune ek" is not said; "paune" alone before the scale is below
    number = hindi_words(n)
    intent = parse_command(f"Rahul ko {word} {number} {scale_word} bhejo")
    assert intent.amount == FRACTION_WORDS[word](n) * value


@pytest.mark.parametrize(("text", "amount"), [
    ("sava sau", 125), ("paune sau", 75), ("dedh sau", 150), ("dhai sau", 250), ("dedh hazaar", 1500),
    ("dhai lakh", 250000), ("paune do sau", 175), ("saade teen hazaar", 3500), ("सवा सौ", 125),
    ("डेढ़ लाख", 150000), ("ढाई हज़ार", 2500), ("पौने तीन सौ", 275),
])
def test_the_issues_fractional_examples(text, amount):
    assert parse_command(f"Kiran ko {text} bhejo").amount == amount


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("राहुलकोसेभेजोमांगचाहिए सौहज़ारलाख०१२३४५६७८९-.,")), max_size=40))
def test_arbitrary_devanagari_never_crashes(text):
    try:
        intent = parse_command(text)
    except InvalidAmount:
        return
    if intent.amount is not None:
        assert intent.amount > 0 and intent.amount == intent.amount.quantize(Decimal("0.01"))


_VOCABULARY = sorted({*LEMMAS, *NUMBERS, *SCALES, *FRACTIONS, "dedh", "dhai", "rahul", "राहुल", "500", "-", "5k",
                      "1.5", "ko", "se", "do", "दो", "₹200", "9876543210", "a@upi", "paise", "rupaye", "for"})


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_VOCABULARY), max_size=10))
def test_any_sequence_of_hindi_words_parses_or_is_refused_cleanly(words):
    try:
        intent = parse_command(" ".join(words))
    except InvalidAmount:
        return
    assert intent.kind in {"pay", "request", "balance", "history", "unknown"}
    if intent.amount is not None:
        assert intent.amount > 0 and intent.amount == intent.amount.quantize(Decimal("0.01"))
    if intent.moves_money:
        assert set(intent.missing) == {n for n, v in (("amount", intent.amount), ("payee", intent.payee)) if v is None}
