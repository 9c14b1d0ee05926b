"""Exact Indian-English number reading: words, digits and scales -> Decimal.

Pure functions, no database. General libraries get the Indian scales wrong (word2number reads
"two lakh" as 2), so this is a small exact parser over already tokenized input:

    number_from_tokens(["one", "lakh", "fifty", "thousand"])        -> Decimal("150000")
    number_from_tokens([Decimal("1.5"), "lakh"])                    -> Decimal("150000.0")
    number_from_tokens(["twenty", "five", "hundred"])               -> Decimal("2500")
    number_from_tokens(["three", "hundred", "and", "fifty"])        -> Decimal("350")

Grammar (scales strictly decreasing, each multiplier below 1000):
    number  := [group SCALE]* [group]         SCALE: crore > million > lakh > thousand
    group   := small "hundred" ["and"] [small] | small | DIGITS
    small   := tens [unit] | teen | unit      ("a" / "an" stand for one before a scale)
Colloquial forms that are read the way people say them: "twenty five hundred" (2500),
"fifteen hundred" (1500), "two fifty" (250), "twelve fifty" (1250), "hundred" / "thousand"
alone (100 / 1000), "point" followed by digits ("ten point five"). Anything else raises
`NumberError` — a guessed amount is worse than a question.
"""

from __future__ import annotations

from decimal import Decimal

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9,
}
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "ninty": 90,
}
HUNDRED = {"hundred", "hundreds"}
SCALES = {
    "thousand": 1_000, "thousands": 1_000, "k": 1_000, "grand": 1_000,
    "lakh": 100_000, "lakhs": 100_000, "lac": 100_000, "lacs": 100_000, "lakhs'": 100_000,
    "million": 1_000_000, "millions": 1_000_000,
    "crore": 10_000_000, "crores": 10_000_000, "cr": 10_000_000,
}
ONE_WORDS = {"a", "an"}
HALF = "half"
POINT = "point"
AND = "and"
# Spoken digits after "point", and in phone numbers ("nine eight double seven ...").
DIGIT_WORDS = {**UNITS, "oh": 0, "o": 0}

Token = str | Decimal


class NumberError(ValueError):
    """The tokens do not spell one number."""


def is_value_word(token: Token) -> bool:
    return isinstance(token, str) and (token in UNITS or token in TEENS or token in TENS)


def is_number_token(token: Token) -> bool:
    """Words that can be part of a spoken number (not counting "and", "a", "point")."""
    return isinstance(token, Decimal) or is_value_word(token) or token in HUNDRED or token in SCALES or token == HALF


def number_from_tokens(tokens: list[Token]) -> Decimal:
    """Read one number from `tokens` (words lower case; digit groups as Decimal). Exact."""
    if not tokens:
        raise NumberError("empty")
    reader = _Reader(tokens)
    return reader.read()


class _Reader:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.total = Decimal(0)
        self.group: Decimal | None = None  # value below the current scale, being built
        self.last = ""  # kind of the previous token: unit, teen, tens, hundred, digits, point
        self.has_hundred = False
        self.fraction = False  # a decimal point was read: only a scale may follow
        self.last_scale = 10**18

    def read(self) -> Decimal:
        i = 0
        tokens = self.tokens
        while i < len(tokens):
            tok = tokens[i]
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if isinstance(tok, Decimal):
                self._value(tok, "digits")
            elif tok == AND:
                # "three hundred and fifty", "one lakh and fifty thousand", "one and a half lakh".
                halves = tokens[i + 1 : i + 3] in (["a", HALF], ["an", HALF]) or nxt == HALF
                if halves and self.group is not None and not self.fraction:
                    pass
                elif self.last not in {"hundred", "scale"} or nxt is None or not is_number_token(nxt):
                    raise NumberError("misplaced 'and'")
            elif tok in ONE_WORDS and nxt == HALF and self.group is not None:
                pass  # the "a" of "one and a half"
            elif tok in ONE_WORDS and self.last == "half":
                pass  # the "a" of "half a lakh"
            elif tok in ONE_WORDS:
                if nxt is None or not (nxt in HUNDRED or nxt in SCALES) or self.group is not None:
                    raise NumberError("'a' must precede a scale")
                self._value(Decimal(1), "unit")
            elif tok == HALF:
                self._half()
            elif tok in UNITS:
                self._value(Decimal(UNITS[tok]), "unit")
            elif tok in TEENS:
                self._value(Decimal(TEENS[tok]), "teen")
            elif tok in TENS:
                self._value(Decimal(TENS[tok]), "tens")
            elif tok in HUNDRED:
                self._hundred()
            elif tok in SCALES:
                self._scale(SCALES[tok])
            elif tok == POINT:
                i = self._point(i)
                continue
            else:
                raise NumberError(f"not a number word: {tok!r}")
            i += 1
        if self.last == "":
            raise NumberError("no value")
        return self.total + (self.group or 0)

    def _value(self, value: Decimal, kind: str) -> None:
        if self.fraction:
            raise NumberError("value after a decimal part")
        group = self.group
        if group is None:
            if kind == "digits" and value != value.to_integral_value() and self.total:
                raise NumberError("a fraction can only lead a number")
            self.group = value
        elif self.last == "tens" and kind == "unit" and value > 0 and group % 10 == 0:
            self.group = group + value  # twenty five
        elif self.last == "hundred":
            if value >= 100 or value != value.to_integral_value():
                raise NumberError("group too large after hundred")
            self.group = group + value  # three hundred (and) fifty
        elif self.last in {"unit", "teen"} and kind in {"tens", "teen"} and not self.has_hundred and 0 < group < 20:
            self.group = group * 100 + value  # colloquial: two fifty = 250, twelve fifty = 1250
        else:
            raise NumberError("two values in a row")
        self.last = kind

    def _hundred(self) -> None:
        if (self.fraction and self.last != "half") or self.has_hundred:
            raise NumberError("misplaced hundred")
        group = self.group
        if group is None:
            if self.last != "" or self.total:
                raise NumberError("hundred without a multiplier")
            group = Decimal(1)  # "hundred rupees"
        if not (0 < group < 100) or (group * 100) != (group * 100).to_integral_value():
            raise NumberError("hundred multiplier must be 1-99")
        self.group = group * 100
        self.has_hundred = True
        self.last = "hundred"

    def _scale(self, scale: int) -> None:
        if scale >= self.last_scale:
            raise NumberError("scales must decrease")
        group = self.group
        if group is None:
            if self.last != "":
                raise NumberError("scale without a multiplier")
            group = Decimal(1)  # "thousand rupees", "lakh rupees"
        if not (0 < group < 1000):
            raise NumberError("scale multiplier must be below 1000")
        self.total += group * scale
        self.group = None
        self.has_hundred = False
        self.fraction = False
        self.last_scale = scale
        self.last = "scale"

    def _half(self) -> None:
        """"one and a half lakh" = 150000; "half a lakh" = 50000. A half must lead a scale
        (or end the number: "two and a half" = 2.5)."""
        if self.fraction or (self.group is not None and self.group != self.group.to_integral_value()):
            raise NumberError("misplaced half")
        if self.group is None and self.last not in {"", "scale"}:
            raise NumberError("misplaced half")
        self.group = (self.group or Decimal(0)) + Decimal("0.5")
        self.fraction = True
        self.last = "half"

    def _point(self, i: int) -> int:
        """`point` then spoken digits: "ten point five" = 10.5. Returns the next index."""
        if self.group is None or self.fraction or self.group != self.group.to_integral_value():
            raise NumberError("misplaced point")
        digits = []
        j = i + 1
        while j < len(self.tokens) and isinstance(self.tokens[j], str) and self.tokens[j] in DIGIT_WORDS:
            digits.append(str(DIGIT_WORDS[self.tokens[j]]))
            j += 1
        if not digits:
            raise NumberError("no digits after point")
        self.group = self.group + Decimal("0." + "".join(digits))
        self.fraction = True
        self.last = "point"
        return j
