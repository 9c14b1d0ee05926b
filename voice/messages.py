"""What /api/speech/process says back, in the language of the command. Pure, no database.

A Hindi command is answered in Hindi, in the script it came in (Devanagari for Devanagari,
romanized Hindi otherwise), so a person hears back what they said; amounts always use Indian
digit grouping (₹1,50,000.00). English answers are built in `voice.services`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from securebank.money import format_rupees
from voice.parsing import Intent

DEFAULT_HISTORY = 5


# (romanized, Devanagari) for each answer; {who} is "Name (vpa)", {amount} is format_rupees(...).
_TEXT: dict[str, tuple[str, str]] = {
    "no_account": ("Aapka abhi koi khata nahin hai.", "आपका अभी कोई खाता नहीं है।"),
    "balance": ("Aapka balance {balance} hai; {available} upalabdh hai.", "आपका बैलेंस {balance} है; {available} उपलब्ध है।"),
    "history": ("Yeh rahe aapke pichhle {count} transactions.", "ये रहे आपके पिछले {count} लेनदेन।"),
    "unknown": ('Maaf kijiye, samajh nahin aaya. Aise kahiye: "Rahul ko 500 bhejo" ya "balance batao".',
                'माफ़ कीजिए, समझ नहीं आया। ऐसे कहिए: "राहुल को 500 भेजो" या "बैलेंस बताओ"।'),
    "pay_who_how_much": ("Kisko aur kitne paise bhejne hain?", "किसको और कितने पैसे भेजने हैं?"),
    "request_who_how_much": ("Kisse aur kitne paise maangne hain?", "किससे और कितने पैसे मांगने हैं?"),
    "pay_who": ("{amount} kisko bhejne hain?", "{amount} किसको भेजने हैं?"),
    "request_who": ("{amount} kisse maangne hain?", "{amount} किससे मांगने हैं?"),
    "candidates": ('"{query}" naam se ek se zyada log milte hain: {names}. Poora naam ya UPI ID batayein.',
                   '"{query}" नाम से एक से ज़्यादा लोग मिलते हैं: {names}। पूरा नाम या UPI ID बताइए।'),
    "not_found": ('"{query}" aapke contacts mein nahin mila. Unki UPI ID, mobile number ya username batayein.',
                  '"{query}" आपके संपर्कों में नहीं मिला। उनकी UPI ID, मोबाइल नंबर या यूज़रनेम बताइए।'),
    "own": ("Yeh aapka apna khata hai; kisi aur ko chuniye.", "यह आपका अपना खाता है; किसी और को चुनिए।"),
    "pay_how_much": ("{who} ko kitne paise bhejne hain?", "{who} को कितने पैसे भेजने हैं?"),
    "request_how_much": ("{who} se kitne paise maangne hain?", "{who} से कितने पैसे मांगने हैं?"),
    "pay": ("{who} ko {amount} bhejein? Bhejne ke liye confirm karein.",
            "{who} को {amount} भेजें? भेजने के लिए पुष्टि करें।"),
    "request": ("{who} se {amount} maangein? Request bhejne ke liye confirm karein.",
                "{who} से {amount} मांगें? अनुरोध भेजने के लिए पुष्टि करें।"),
}


def hindi_message(*, intent: Intent, match: Any, user_pk: int, summary: dict[str, Any] | None) -> str:
    """The Hindi answer to `intent`. `match` is a voice.selectors.PayeeMatch; `summary` the
    account summary for a balance question (None when there is no account)."""
    say = _speaker(intent)
    if intent.kind == "balance":
        if summary is None:
            return say("no_account")
        return say("balance", balance=format_rupees(Decimal(summary["balance"])), available=format_rupees(Decimal(summary["available"])))
    if intent.kind == "history":
        return say("history", count=intent.count or DEFAULT_HISTORY)
    if intent.kind == "unknown":
        return say("unknown")
    kind = "pay" if intent.kind == "pay" else "request"
    amount = format_rupees(intent.amount) if intent.amount is not None else None
    if intent.payee is None:
        return say(f"{kind}_who_how_much") if amount is None else say(f"{kind}_who", amount=amount)
    if match.candidates:
        names = ", ".join(f"{c['display_name']} ({c['vpa']})" for c in match.candidates)
        return say("candidates", query=intent.payee.query, names=names)
    if match.user is None:
        return say("not_found", query=intent.payee.query)
    if match.user.pk == user_pk:
        return say("own")
    who = f"{match.user.display_name} ({match.user.vpa})"
    if amount is None:
        return say(f"{kind}_how_much", who=who)
    return say(kind, who=who, amount=amount)


def _speaker(intent: Intent):
    column = 1 if intent.script == "devanagari" else 0

    def say(key: str, **values: Any) -> str:
        return _TEXT[key][column].format(**values)

    return say
