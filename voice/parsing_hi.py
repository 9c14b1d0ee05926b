"""Hindi and Hinglish commands (either script) -> the fields of an Intent. Pure, no database.

Works on tokens the lexer has already read in Hindi mode (`lex(text, hindi_words=True)`):
amounts are `Amount`s, grammar words are lemmas from `voice.hindi.LEMMAS`, names are kept as
spoken (Latin lower case, or Devanagari). Hindi puts its particles after the noun, so the payee
is the name run *before* ko / se / pe / par / ke ("Rahul ko 500 bhejo", "Neha se 200 maango"),
and the verb usually comes last; word order is otherwise free ("500 rupaye Rahul ko bhej do",
"bhejo Rahul ko 500"). "X ke liye" is the payee when no other name is marked, else a note
("dinner ke liye Rahul ko 500 bhejo").
"""

from __future__ import annotations

from typing import Any

from voice.lexer import NEGATIVE, Amount, PayeeRef, Token, single_amount

REQUEST_WORDS = {"maango", "chahiye", "lena", "request", "ask", "collect"}
PAY_WORDS = {"bhejo", "dedo", "chukao", "pay", "send", "transfer", "give", "do", "de"}
BALANCE_WORDS = {"balance", "bakaya"}
HISTORY_WORDS = {"transactions", "transaction", "history", "statement", "lenden", "payments", "passbook",
                 "kharcha", "activity", "transfers", "spent"}
PAYEE_MARKERS = {"ko", "se", "pe", "par", "ke"}
ENGLISH_MARKERS = {"to", "from"}
HONORIFICS = {"ji"}  # lemma of ji / bhai / bhaiya / didi / sahab: after a name, not part of it
TITLES = {"shri", "shrimati", "smt", "sri", "mr", "mrs", "ms", "dr", "the", "my", "श्री", "श्रीमती"}
# Not names: every grammar lemma, English command words, and small words of spoken Hindi.
NOT_NAMES = {
    "bhejo", "dedo", "chukao", "karo", "maango", "chahiye", "lena", "ko", "se", "par", "ke", "ka", "ki", "liye",
    "kitna", "batao", "dikhao", "khata", "bakaya", "hai", "kya", "mera", "paas", "mein", "aur", "kaun", "paise",
    "rakam", "pichhle", "aakhri", "lenden", "kharcha", "kiya", "please", "jaldi", "ji", "minus", "wala", "hi",
    "bhi", "do", "de", "pe", "lo", "na", "ho", "yeh", "ye", "wo", "woh", "tum", "aap", "main", "hum", "gaya",
    "diya", "money", "cash", "amount", "rs", "for", "to", "from", "and", "me", "check", "account", "last",
    *PAY_WORDS, *REQUEST_WORDS, *BALANCE_WORDS, *HISTORY_WORDS, "payment", "send", "karna",
}


def hindi_fields(tokens: list[Token]) -> dict[str, Any]:
    """kind, amount, payee, note, count and missing of one Hindi command (see `Intent`).
    Raises InvalidAmount for a zero, negative or malformed amount, as in English."""
    tokens = [_pe_particle(tokens, i) for i in range(len(tokens))]
    words = {t.value for t in tokens if isinstance(t.value, str)}
    if words & REQUEST_WORDS:
        return _money("request", tokens)
    if words & PAY_WORDS or ("payment" in words and "karo" in words):
        return _money("pay", tokens)
    if words & BALANCE_WORDS or ("kitna" in words and words & {"paise", "rakam", "hai", "khata", "paas", "account"}):
        return {"kind": "balance"}
    if words & HISTORY_WORDS:
        return {"kind": "history", "count": _history_count(tokens, words)}
    if "ko" in words and any(isinstance(t.value, Amount) for t in tokens):
        return _money("pay", tokens)  # "Rahul ko 500 rupaye": an amount handed to someone
    return {"kind": "unknown"}


def _pe_particle(tokens: list[Token], i: int) -> Token:
    """Devanagari पे is both the English "pay" (पे करो) and the particle "pe" (प्रिया पे)."""
    tok = tokens[i]
    nxt = tokens[i + 1].value if i + 1 < len(tokens) else None
    if tok.value == "pay" and tok.surface == "पे" and nxt != "karo":
        return Token(tok.surface, "pe")
    return tok


def _history_count(tokens: list[Token], words: set[str]) -> int | None:
    for tok in tokens:
        amount = tok.value
        if isinstance(amount, Amount) and not amount.negative:
            if amount.value == amount.value.to_integral_value() and 1 <= amount.value <= 100:
                return int(amount.value)
    if words & {"aakhri", "last"} and "transactions" not in words:
        return 1
    return None


def _money(kind: str, tokens: list[Token]) -> dict[str, Any]:
    amount = single_amount([t.value for t in tokens if isinstance(t.value, Amount)])
    payee, note = _payee_and_note(tokens)
    missing = tuple(name for name, value in (("amount", amount), ("payee", payee)) if value is None)
    return {"kind": kind, "amount": amount, "payee": payee, "note": note, "missing": missing}


def _marker_after(tokens: list[Token], j: int) -> str | None:
    """The particle after a name that ends before index j ("rahul ji ko": ko)."""
    while j < len(tokens) and tokens[j].value in HONORIFICS:
        j += 1
    if j >= len(tokens) or not isinstance(tokens[j].value, str):
        return None
    if tokens[j].value == "ke" and j + 1 < len(tokens) and tokens[j + 1].value == "liye":
        return "ke liye"
    return tokens[j].value if tokens[j].value in PAYEE_MARKERS | {"liye"} else None


def _payee_and_note(tokens: list[Token]) -> tuple[PayeeRef | None, str]:
    # Runs of name words: (words, surfaces, particle after, English marker before, "for" before).
    runs: list[tuple[list[str], list[str], str | None, bool, bool]] = []
    i = 0
    while i < len(tokens):
        value = tokens[i].value
        if not _is_name_word(value):
            i += 1
            continue
        j = i
        while j < len(tokens) and _is_name_word(tokens[j].value):
            j += 1
        before = tokens[i - 1].value if i else None
        words = [t.value for t in tokens[i:j]]
        surfaces = [t.surface for t in tokens[i:j]]
        while words and words[0] in TITLES:
            words, surfaces = words[1:], surfaces[1:]
        if words:
            runs.append((words, surfaces, _marker_after(tokens, j), before in ENGLISH_MARKERS, before == "for"))
        i = j

    for_runs = [r for r in runs if r[2] in {"ke liye", "liye"} or r[4]]
    ident = _identifier(tokens)
    if ident is not None:
        return ident, " ".join(for_runs[0][1]) if for_runs else ""
    marked = [r for r in runs if r[2] in PAYEE_MARKERS]
    if marked:
        return PayeeRef(" ".join(marked[0][0]), "name"), " ".join(for_runs[0][1]) if for_runs else ""
    if for_runs and not any(r[3] for r in runs):
        return PayeeRef(" ".join(for_runs[0][0]), "name"), ""  # "Amit ke liye 500 bhejo"
    plain = [r for r in runs if r[3]] or [r for r in runs if not r[4]]
    if not plain:
        return None, ""
    notes = [r for r in for_runs if r is not plain[0]]
    return PayeeRef(" ".join(plain[0][0]), "name"), " ".join(notes[0][1]) if notes else ""


def _identifier(tokens: list[Token]) -> PayeeRef | None:
    """A VPA or mobile number, preferring one followed by a particle or after "to"."""
    idents = [(i, t.value) for i, t in enumerate(tokens) if isinstance(t.value, PayeeRef)]
    if not idents:
        return None
    marked = [ref for i, ref in idents if _marker_after(tokens, i + 1) in PAYEE_MARKERS
              or (i and tokens[i - 1].value in ENGLISH_MARKERS)]
    return (marked or [ref for _, ref in idents])[0]


def _is_name_word(value: Any) -> bool:
    return isinstance(value, str) and value not in NOT_NAMES and value not in NEGATIVE and value[:1].isalpha()
