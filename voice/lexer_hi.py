"""The Hindi pass of the lexer: Hindi words in a token list -> values the number reader knows.

Pure, no database; called by `voice.lexer.lex` when the command is Hindi. Number words become
Decimals, sau / hazaar / lakh / karod the English scale words of `voice.numbers`, grammar words
their lemma (`voice.hindi.LEMMAS`), and the fractional words are applied to what follows them.
Tokens are the lexer's `Token(surface, value)`; the lexer hands in its constructor.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from securebank.errors import InvalidAmount
from voice import hindi
from voice.numbers import HUNDRED, SCALES

_POSTPOSITIONS = {"ko", "se", "ke", "ka", "ki", "par"}
_VERBS = {"bhejo", "dedo", "chukao", "karo", "maango", "chahiye", "lena", "pay", "send", "transfer", "request"}
_TRAILING = {"please", "ji", "jaldi", "hi", "bhi"}  # may follow a closing verb: "paanch sau do na please"


def hindi_values(tokens: list[Any], *, currency: set[str], make: Callable[[str, Any], Any]) -> list[Any]:
    """Hindi number words -> Decimal, scales -> the English scale word, grammar words -> lemma;
    then the fractional words are applied: "saade teen hazaar" -> [3.5, "thousand"].
    `currency`: the words that mark an amount (rupees, paise…), which make a number word a number;
    `make(surface, value)`: a new token."""
    out: list[Any] = []
    for i, tok in enumerate(tokens):
        word = tok.value
        key = hindi.fold(word) if isinstance(word, str) else ""
        if key in hindi.LEMMAS:
            out.append(make(tok.surface, hindi.LEMMAS[key]))
        elif key in hindi.SCALES:
            out.append(make(tok.surface, hindi.SCALES[key]))
        elif key in hindi.STANDALONE_FRACTIONS:
            out.append(make(tok.surface, hindi.STANDALONE_FRACTIONS[key]))
        elif key in hindi.FRACTIONS:
            out.append(make(tok.surface, hindi.FRACTIONS[key]))
        elif key in hindi.NUMBERS and _number_here(tokens, i, key, currency):
            out.append(make(tok.surface, Decimal(hindi.NUMBERS[key])))
        elif key in hindi.GIVE:
            out.append(make(tok.surface, "do"))  # "bhej do", "पांच सौ दो": the verb
        else:
            out.append(tok)
    return _apply_fractions(out, make)


def _number_here(tokens: list[Any], i: int, key: str, currency: set[str]) -> bool:
    """Is this number word a number here? "do" is also "give" (paanch sau do = give 500), and a
    surname can be a number word ("Rahul Das ko"): both are numbers only beside a number."""
    nxt = tokens[i + 1].value if i + 1 < len(tokens) else None
    nxt_key = hindi.fold(nxt) if isinstance(nxt, str) else ""
    prev = tokens[i - 1].value if i else None
    prev_key = hindi.fold(prev) if isinstance(prev, str) else ""
    numeric_next = (nxt_key in hindi.SCALES or nxt in SCALES or nxt in HUNDRED or nxt_key in currency
                    or hindi.LEMMAS.get(nxt_key) in {"rupees", "paise"})
    if key in hindi.GIVE:
        # "chhah sau do chahiye" = 602, but "Rahul ko paanch sau do" = give 500 (the verb ends it)
        after_scale = prev_key in hindi.SCALES or prev in SCALES or prev in HUNDRED
        last = all(isinstance(t.value, str) and hindi.LEMMAS.get(hindi.fold(t.value)) in _TRAILING
                   for t in tokens[i + 1 :])
        before_verb = hindi.LEMMAS.get(nxt_key, nxt) in _VERBS  # "do chahiye", "do bhejo": two
        return numeric_next or before_verb or prev_key in hindi.FRACTIONS or (after_scale and not last)
    if hindi.LEMMAS.get(nxt_key) in _POSTPOSITIONS and isinstance(prev, str) and not (
        prev_key in hindi.LEMMAS or prev_key in hindi.NUMBERS or prev_key in hindi.SCALES
    ):
        return False  # "rahul das ko": part of a name
    return True


def _apply_fractions(tokens: list[Any], make: Callable[[str, Any], Any]) -> list[Any]:
    out: list[Any] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if not isinstance(tok.value, tuple):
            out.append(tok)
            i += 1
            continue
        multiplier, offset = tok.value
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and isinstance(nxt.value, Decimal) and nxt.value == nxt.value.to_integral_value():
            # sava do = 2.25, saade teen = 3.5, paune do = 1.75 (then × the scale that follows)
            out.append(make(f"{tok.surface} {nxt.surface}", nxt.value * multiplier + offset))
            i += 2
        elif nxt is not None and isinstance(nxt.value, str) and (nxt.value in SCALES or nxt.value in HUNDRED):
            out.append(make(tok.surface, multiplier + offset))  # sava sau = 125, paune hazaar = 750
            i += 1
        else:
            raise InvalidAmount(f"Could not read the amount '{tok.surface}'.")
    return out
