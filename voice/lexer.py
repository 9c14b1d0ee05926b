"""Command text -> tokens: identifiers pulled out first, then digits, filler and amounts.

Pure, no database. Order matters and is the point of this module: VPAs and phone numbers
(typed or spoken digit by digit) become payee tokens *before* numbers are read, so a phone
number is never taken for an amount; then each run of number words and digits becomes one
exact `Amount` (see `voice.numbers`), with currency words marking it and then vanishing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from accounts.identifiers import normalize_phone, normalize_vpa
from securebank.errors import InvalidAmount
from voice import hindi
from voice.lexer_hi import hindi_values
from voice.numbers import DIGIT_WORDS, HUNDRED, SCALES, NumberError, is_number_token, number_from_tokens

PayeeKind = Literal["vpa", "phone", "name"]


@dataclass(frozen=True)
class PayeeRef:
    """What the speaker named: a VPA, a 10-digit mobile number, or a username / contact name."""

    query: str
    kind: PayeeKind


CURRENCY = {"rupees", "rupee", "rs", "inr", "₹", "bucks", "/-", "rupaye", "rupiya", "rupaiya", "rupay"}
PAISE = {"paise", "paisa", "paisas"}
NEGATIVE = {"-", "minus", "negative", "−"}
# Removed wherever they stand (longest phrases first): politeness, wake words, hedges.
FILLER_PHRASES = sorted(
    (
        tuple(p.split())
        for p in [
            "hey securebank", "hi securebank", "ok securebank", "okay securebank", "hey secure bank",
            "securebank", "secure bank", "please", "pls", "plz", "kindly", "can you", "could you",
            "would you", "will you", "can u", "i want to", "i wanna", "i would like to", "i d like to",
            "id like to", "i need to", "i have to", "let us", "lets", "let s", "go ahead and", "just",
            "quickly", "right now", "now", "immediately", "hey", "hi", "hello", "okay", "ok", "um",
            "uh", "thanks", "thank you", "for me", "help me", "i want", "i need",
        ]
    ),
    key=len,
    reverse=True,
)

_VPA_RE = re.compile(r"(?<![\w.@-])@?([a-z0-9][a-z0-9._-]{1,63}@[a-z][a-z0-9]{1,63})(?![\w@-])")
_SPOKEN_VPA_RE = re.compile(r"\b([a-z][a-z0-9._-]{1,63}) at the rate (?:of )?([a-z][a-z0-9]{1,63})\b")
_PHONE_RE = re.compile(
    r"(?<![\d,.])(?:(?:\+|00)?91[\s-]?|0)?"
    r"(?:\d{10}|\d{5}[\s-]\d{5}|\d{3}[\s-]\d{3}[\s-]\d{4}|\d{4}[\s-]\d{3}[\s-]\d{3}|\d{2}[\s-]\d{4}[\s-]\d{4})"
    r"(?!\d|[.,]\d)"
)
_TOKEN_RE = re.compile(
    r"\x00\d+\x00"  # identifier placeholder
    r"|\d[\d,]*(?:\.\d+)?"  # digits, maybe grouped, maybe decimal
    r"|₹|/-|[-−](?=\s*\d)"
    r"|[a-z0-9_][a-z0-9_.'-]*"
    r"|[\u0900-\u0963\u0971-\u097f]+"  # a Devanagari word (the danda is punctuation)
)
_INDIAN_GROUPS = re.compile(r"^\d{1,2}(,\d{2})*,\d{3}$")
_WESTERN_GROUPS = re.compile(r"^\d{1,3}(,\d{3})+$")
_DECIMAL_RE = re.compile(r"^\d+(?:\.(\d+))?$")


@dataclass(eq=False)
class Token:
    surface: str
    value: Any  # str word | Decimal | PayeeRef | Amount


@dataclass(eq=False)  # compared by identity, so tokens can be looked up in sets
class Amount:
    value: Decimal
    surface: str
    negative: bool = False
    currency: bool = False
    paise: bool = False


def lex(text: str, *, hindi_words: bool = False) -> list[Token]:
    """Tokens of one command: words (str), payees (PayeeRef) and amounts (Amount).

    With `hindi_words`, Hindi number words become values and Hindi grammar words their lemma
    (see `voice.hindi`); the caller decides, so English commands keep names like "Das"."""
    tokens = _tokenize(text)
    tokens = _drop_filler(tokens)
    if hindi_words:
        tokens = hindi_values(tokens, currency=CURRENCY | PAISE, make=Token)
    tokens = _spoken_phone_numbers(tokens)
    return _group_amounts(tokens)


# --- Words ---------------------------------------------------------------------------------------
def _tokenize(text: str) -> list[Token]:
    text = unicodedata.normalize("NFKC", text or "").lower().translate(hindi.DEVANAGARI_DIGITS)
    text = text.replace("’", "'").replace("‘", "'").replace("−", "-")
    idents: list[PayeeRef] = []

    def hold(ref: PayeeRef) -> str:
        idents.append(ref)
        return f" \x00{len(idents) - 1}\x00 "

    def vpa(match: re.Match) -> str:
        found = normalize_vpa(match.group(1))
        return hold(PayeeRef(found, "vpa")) if found else match.group(0)

    def spoken_vpa(match: re.Match) -> str:
        handle = match.group(2)
        if is_number_token(handle) or handle in CURRENCY:
            return match.group(0)
        found = normalize_vpa(f"{match.group(1)}@{handle}")
        return hold(PayeeRef(found, "vpa")) if found else match.group(0)

    def phone(match: re.Match) -> str:
        found = normalize_phone(match.group(0))
        return hold(PayeeRef(found, "phone")) if found else match.group(0)

    text = _VPA_RE.sub(vpa, text)
    text = _SPOKEN_VPA_RE.sub(spoken_vpa, text)
    text = _PHONE_RE.sub(phone, text)
    # Glue that speech and chat leave on amounts: ₹500, rs.500, 500rs, 500/-, 5k, 2lakh.
    text = re.sub(r"(?<![a-z])(rs|inr)\.?(?=\d)", r"\1 ", text)
    text = re.sub(r"(?<![a-z])rs\.", "rs ", text)
    text = re.sub(r"(\d)(rs|inr|k|lakhs?|lacs?|crores?|cr)\b", r"\1 \2", text)
    text = re.sub(r"(\d)(/-|₹)", r"\1 \2", text)
    if re.search(r"(?<![a-z0-9])\d+(?:\.\d+)?e[+-]?\d", text):
        raise InvalidAmount("Write amounts without exponents.")
    text = text.replace("'s ", " ").replace("'s", "")
    out: list[Token] = []
    for match in _TOKEN_RE.finditer(text):
        raw = match.group(0)
        if raw.startswith("\x00"):
            out.append(Token(raw, idents[int(raw.strip("\x00"))]))
        elif raw[0].isdigit():
            raw = raw.rstrip(",")
            out.append(Token(raw, _digits(raw)))
        else:
            word = raw.strip(".'-_") or raw
            out.append(Token(word, word.replace("'", " ").strip() if word != "/-" else word))
    return out


def _digits(raw: str) -> Decimal:
    """'1,00,000' / '100,000' / '500.50' -> Decimal; bad grouping or > 2 decimals -> InvalidAmount."""
    whole, _, fraction = raw.partition(".")
    if "," in whole:
        if not (_INDIAN_GROUPS.match(whole) or _WESTERN_GROUPS.match(whole)):
            raise InvalidAmount(f"'{raw}' is not a well-formed amount.")
        whole = whole.replace(",", "")
    text = whole + ("." + fraction if fraction else "")
    match = _DECIMAL_RE.match(text)
    if not match:
        raise InvalidAmount(f"'{raw}' is not a well-formed amount.")
    if match.group(1) and len(match.group(1)) > 2:
        raise InvalidAmount("Amounts have at most two decimal places.")
    return Decimal(text)


def words_of(tokens: list[Token]) -> list[Any]:
    return [t.value for t in tokens]


_FILLER_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _phrase in FILLER_PHRASES:  # longest first within each list, as FILLER_PHRASES is sorted
    _FILLER_BY_FIRST.setdefault(_phrase[0], []).append(_phrase)


def _drop_filler(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    values = words_of(tokens)
    i = 0
    while i < len(tokens):
        first = values[i]
        for phrase in _FILLER_BY_FIRST.get(first, []) if isinstance(first, str) else []:
            if tuple(values[i : i + len(phrase)]) == phrase:
                i += len(phrase)
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _spoken_phone_numbers(tokens: list[Token]) -> list[Token]:
    """'nine eight double seven six ...' (ten spoken digits) -> a phone identifier."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        digits, j = _read_spoken_digits(tokens, i)
        if len(digits) >= 10:
            # An 11th digit word directly before "hundred"/a scale belongs to the amount.
            nxt = tokens[j].value if j < len(tokens) else None
            if len(digits) == 11 and isinstance(nxt, str) and (nxt in HUNDRED or nxt in SCALES):
                j -= 1
                digits = digits[:10]
            phone = normalize_phone("".join(digits)) if len(digits) == 10 else None
            if phone:
                out.append(Token(" ".join(t.surface for t in tokens[i:j]), PayeeRef(phone, "phone")))
                i = j
                continue
        out.append(tokens[i])
        i += 1
    return out


def _read_spoken_digits(tokens: list[Token], i: int) -> tuple[list[str], int]:
    digits: list[str] = []
    repeat = 1
    j = i
    while j < len(tokens):
        word = tokens[j].value
        if word in {"double", "triple"} and repeat == 1:
            repeat = 2 if word == "double" else 3
        elif isinstance(word, str) and word in DIGIT_WORDS and not (word == "o" and not digits):
            digits.extend([str(DIGIT_WORDS[word])] * repeat)
            repeat = 1
        else:
            break
        j += 1
    if repeat != 1:
        j -= 1
    return digits, j


# --- Amounts -------------------------------------------------------------------------------------
def _run_continues(tokens: list[Token], j: int, run: list[Any]) -> bool:
    """May tokens[j] extend the number run `run`?"""
    value = tokens[j].value
    prev = run[-1] if run else None
    nxt = tokens[j + 1].value if j + 1 < len(tokens) else None
    if isinstance(value, Decimal):  # after a scale or hundred: "do lakh 50 hazaar", "teen sau pachaas"
        return prev is None or (isinstance(prev, str) and (prev in SCALES or prev in HUNDRED or prev == "and"))
    if not isinstance(value, str):
        return False
    if value in {"k", "cr", "grand"}:
        return isinstance(prev, Decimal) or (value == "grand" and prev is not None)
    if value in {"a", "an"}:
        if nxt == "half" or prev == "half":
            return prev is not None or nxt == "half"
        return isinstance(nxt, str) and (nxt in HUNDRED or nxt in SCALES) and prev in (None, "and")
    if value == "and" and nxt in {"a", "an", "half"} and prev is not None and is_number_token(prev):
        return True
    if value == "and":
        return (
            isinstance(prev, str)
            and (prev in HUNDRED or prev in SCALES)
            and nxt is not None
            and (isinstance(nxt, Decimal) or (isinstance(nxt, str) and (is_number_token(nxt) or nxt in {"a", "an"})))
        )
    if value == "point":
        return prev is not None and isinstance(nxt, str) and nxt in DIGIT_WORDS
    if prev == "point" or (run and "point" in run and value in DIGIT_WORDS):
        return value in DIGIT_WORDS and not any(isinstance(v, str) and v in SCALES for v in run[run.index("point"):])
    return is_number_token(value)


def _group_amounts(tokens: list[Token]) -> list[Token]:
    """Replace each run of number tokens by one `Amount`; currency words mark and vanish."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        if not _run_continues(tokens, i, []) or tokens[i].value in {"and", "point"}:
            out.append(tokens[i])
            i += 1
            continue
        run: list[Any] = []
        j = i
        while j < len(tokens) and _run_continues(tokens, j, run):
            run.append(tokens[j].value)
            j += 1
        surface = " ".join(t.surface for t in tokens[i:j])
        try:
            value = number_from_tokens(run)
        except NumberError as exc:
            raise InvalidAmount(f"Could not read the amount '{surface}'.") from exc
        amount = Amount(value=value, surface=surface)
        if out and out[-1].value in NEGATIVE:
            amount.negative = True
            out.pop()
        if (out and out[-1].value in CURRENCY) or (j < len(tokens) and tokens[j].value in CURRENCY):
            amount.currency = True
        if j < len(tokens) and tokens[j].value in PAISE:
            amount.paise = True
            j += 1
        out.append(Token(surface, amount))
        i = j
    return _merge_paise([t for t in out if not (isinstance(t.value, str) and t.value in CURRENCY)])


def _merge_paise(tokens: list[Token]) -> list[Token]:
    """'500 rupees and 50 paise' -> 500.50; '50 paise' alone -> 0.50."""
    out: list[Token] = []
    for tok in tokens:
        amount = tok.value
        if not (isinstance(amount, Amount) and amount.paise):
            out.append(tok)
            continue
        if amount.value != amount.value.to_integral_value() or amount.value >= 100:
            raise InvalidAmount("Paise must be a whole number below 100.")
        if out and out[-1].value == "and" and len(out) > 1 and isinstance(out[-2].value, Amount):
            out.pop()
        prev = out[-1].value if out else None
        if isinstance(prev, Amount) and not prev.paise:
            prev.value = prev.value + amount.value / 100
            prev.surface = f"{prev.surface} {amount.surface} paise"
            prev.currency = True
        else:
            amount.value = amount.value / 100
            amount.paise = False
            amount.currency = True
            out.append(tok)
    return out


def single_amount(amounts: list[Amount]) -> Decimal | None:
    """The one amount of a command (a currency word picks it out of several), checked."""
    if len(amounts) > 1:
        marked = [a for a in amounts if a.currency]
        if len(marked) != 1:
            raise InvalidAmount("The command names more than one amount; give one amount at a time.")
        amounts = marked
    return checked_amount(amounts[0]) if amounts else None


def checked_amount(amount: Amount) -> Decimal:
    if amount.negative:
        raise InvalidAmount("Amount must be positive.")
    value = amount.value
    if value <= 0:
        raise InvalidAmount("Amount must be greater than zero.")
    if value != value.quantize(Decimal("0.01")):
        raise InvalidAmount("Amounts have at most two decimal places.")
    return value.quantize(Decimal("0.01"))
