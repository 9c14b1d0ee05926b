"""Voice and text commands -> a typed intent. Pure: no database, no settings.

    parse_command("Transfer 200 to 9876543210")
    -> Intent(kind="pay", amount=Decimal("200"), payee=PayeeRef("9876543210", "phone"), ...)

Intents: pay, request, balance, history, unknown. Amounts are exact Decimals (see
`voice.numbers` for the Indian number words). Identifiers are taken out of the text before
numbers are read, so a phone number is never read as an amount. A command with no amount or no
payee comes back with `missing` filled rather than a guess; zero, negative, unreadable or
more-than-two-decimal amounts raise `InvalidAmount`.

Hindi and Hinglish (romanized or Devanagari) are recognized first (`voice.hindi.language_of`)
and read by `voice.parsing_hi` over the same lexer; the Intent records `language` and `script`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from voice.hindi import language_of
from voice.lexer import NEGATIVE, Amount, PayeeRef, Token, lex, single_amount, words_of
from voice.parsing_hi import hindi_fields

__all__ = ["Intent", "PayeeRef", "parse_command"]

IntentKind = Literal["pay", "request", "balance", "history", "unknown"]
Language = Literal["en", "hi"]
Script = Literal["latin", "devanagari", "mixed"]


@dataclass(frozen=True)
class Intent:
    kind: IntentKind
    amount: Decimal | None = None
    payee: PayeeRef | None = None
    note: str = ""
    count: int | None = None  # history: how many transactions were asked for
    missing: tuple[str, ...] = ()
    language: Language = "en"  # hi: Hindi or Hinglish, answered in Hindi
    script: Script = "latin"

    @property
    def moves_money(self) -> bool:
        return self.kind in {"pay", "request"}

    @property
    def complete(self) -> bool:
        return self.moves_money and not self.missing

    def as_dict(self) -> dict[str, Any]:
        return {
            "intent": self.kind,
            "amount": None if self.amount is None else str(self.amount),
            "payee": self.payee.query if self.payee else None,
            "payee_kind": self.payee.kind if self.payee else None,
            "note": self.note,
            "count": self.count,
            "missing": list(self.missing),
            "language": self.language,
            "script": self.script,
        }


# --- Vocabulary ----------------------------------------------------------------------------------
PAY_VERBS = {"pay", "send", "transfer", "give", "wire", "remit", "paying", "sending"}
REQUEST_VERBS = {"request", "ask", "collect", "requesting"}
GENERIC = {"money", "cash", "amount", "sum", "some", "of", "total", "an", "a", "payment", "request"}
BALANCE_WORDS = {"balance", "balances"}
HISTORY_WORDS = {
    "transactions", "transaction", "history", "statement", "payments", "activity", "spent",
    "spending", "transfers", "passbook",
}
TITLES = {"the", "my", "mr", "mrs", "ms", "miss", "dr", "shri", "smt", "sri", "to", "from"}
NOTE_MARKERS = {"for", "towards"}
ARRIVAL_WORDS = {"me", "us"}  # "ask priya to pay me 500": who receives, not who pays


# --- Entry point ---------------------------------------------------------------------------------
def parse_command(text: str) -> Intent:
    """Parse one command. Raises InvalidAmount for a zero, negative or malformed amount."""
    language, script = language_of((text or "").lower())
    if language == "hi":
        return Intent(**hindi_fields(lex(text, hindi_words=True)), language="hi", script=script)
    kind, rest = _classify(lex(text))
    if kind in {"pay", "request"}:
        return _money_intent(kind, rest)
    if kind == "history":
        return Intent(kind="history", count=_history_count(rest))
    return Intent(kind=kind, script=script)


# --- Intent --------------------------------------------------------------------------------------
def _classify(tokens: list[Token]) -> tuple[IntentKind, list[Token]]:
    words = words_of(tokens)
    for idx, word in enumerate(words[:3]):
        if not isinstance(word, str):
            continue
        ahead = [w for w in words[idx + 1 : idx + 4] if isinstance(w, str)]
        if word in {"send", "make", "raise", "create"} and "request" in ahead:
            return "request", tokens[idx + 1 :]  # "send a money request to rahul for 500"
        if word in {"make", "do", "initiate"} and ({"payment", "transfer"} & set(ahead)):
            return "pay", tokens[idx + 1 :]
        if word in PAY_VERBS:
            return "pay", tokens[idx + 1 :]
        if word in REQUEST_VERBS:
            return "request", tokens[idx + 1 :]
    plain = {w for w in words if isinstance(w, str)}
    if plain & BALANCE_WORDS or ("how" in plain and "much" in plain and plain & {"have", "account", "left"}):
        return "balance", tokens
    if plain & HISTORY_WORDS or {"spend", "recent"} & plain and plain & {"what", "show", "my"}:
        return "history", tokens
    for idx, word in enumerate(words[:-2]):
        # "500 to rahul": an amount handed to someone is a payment even without a verb.
        if isinstance(word, Amount) and words[idx + 1] == "to":
            return "pay", tokens
    return "unknown", tokens


def _history_count(tokens: list[Token]) -> int | None:
    for tok in tokens:
        if isinstance(tok.value, Amount):
            value = tok.value.value
            if value == value.to_integral_value() and 1 <= value <= 100 and not tok.value.negative:
                return int(value)
    words = set(words_of(tokens))
    if "last" in words and words & {"transaction", "payment", "transfer"}:
        return 1
    return None


def _is_note_start(items: list[Token], k: int) -> bool:
    if items[k].value not in NOTE_MARKERS or k + 1 >= len(items):
        return False
    nxt = items[k + 1].value
    if not isinstance(nxt, Amount):
        return isinstance(nxt, str)
    after = items[k + 2].value if k + 2 < len(items) else None
    # "ask priya for 1200 (for rent)": the amount; "pay 500 for 2 tickets": a note.
    return isinstance(after, str) and after not in {"to", "from"} | NOTE_MARKERS


def _money_intent(kind: IntentKind, rest: list[Token]) -> Intent:
    markers = {"to"} if kind == "pay" else {"from", "to"}
    note_words: list[str] = []
    items: list[Token] = []
    k = 0
    while k < len(rest):
        if not note_words and _is_note_start(rest, k):
            j = k + 1
            while j < len(rest):
                value = rest[j].value
                if isinstance(value, PayeeRef) or value in markers or (isinstance(value, Amount) and j > k + 1):
                    break
                note_words.append(rest[j].surface)
                j += 1
            k = j
            continue
        items.append(rest[k])
        k += 1

    amount = single_amount([t.value for t in items if isinstance(t.value, Amount)])

    payee = _payee(items, markers)
    missing = tuple(name for name, value in (("amount", amount), ("payee", payee)) if value is None)
    return Intent(kind=kind, amount=amount, payee=payee, note=" ".join(note_words).strip(), missing=missing)


def _payee(items: list[Token], markers: set[str]) -> PayeeRef | None:
    idents = [(i, t.value) for i, t in enumerate(items) if isinstance(t.value, PayeeRef)]
    if idents:
        after_marker = [ref for i, ref in idents if i > 0 and items[i - 1].value in markers]
        return (after_marker or [ref for _, ref in idents])[0]
    separators = PAY_VERBS | REQUEST_VERBS | GENERIC | ARRIVAL_WORDS | NOTE_MARKERS | {"and", "to", "from"}
    runs: list[tuple[bool, list[str]]] = []  # (follows a payee marker, words)
    current: list[str] = []
    follows_marker = False
    for i, tok in enumerate(items):
        value = tok.value
        is_name_word = isinstance(value, str) and value not in separators and value not in NEGATIVE
        if is_name_word:
            if not current:
                follows_marker = i > 0 and items[i - 1].value in markers
            current.append(value)
            continue
        if current:
            runs.append((follows_marker, current))
            current = []
    if current:
        runs.append((follows_marker, current))
    runs = [(marked, _strip_titles(words)) for marked, words in runs]
    runs = [(marked, words) for marked, words in runs if words]
    if not runs:
        return None
    chosen = next((words for marked, words in runs if marked), runs[0][1])
    return PayeeRef(" ".join(chosen), "name")


def _strip_titles(words: list[str]) -> list[str]:
    while words and words[0] in TITLES:
        words = words[1:]
    return words
