"""Names across scripts (voice.names) and Hindi answers (voice.messages): pure functions."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from voice.messages import hindi_message
from voice.names import latin_name, name_key
from voice.parsing import parse_command


@pytest.mark.parametrize(("devanagari", "latin"), [
    ("राहुल", "rahul"), ("नेहा", "neha"), ("किरण", "kiran"), ("प्रिया", "priya"), ("अमित शर्मा", "amit sharma"),
    ("सुरेश", "suresh"), ("पूजा", "puja"), ("संजय", "sanjay"), ("कृष्णा", "krishna"), ("दिव्या", "divya"),
    ("Rahul Sharma", "rahul sharma"),
])
def test_devanagari_names_in_latin_letters(devanagari, latin):
    assert latin_name(devanagari) == latin


@pytest.mark.parametrize(("spoken", "stored"), [
    ("Raahul", "Rahul"), ("Pooja", "Puja"), ("पूजा", "Pooja"), ("Zara", "ज़ारा"), ("Zara", "जारा"),
    ("Deepak", "Dipak"), ("Vikas", "Wikas"), ("राहुल शर्मा", "Rahul Sharma"), ("Sunita", "सुनीता"),
])
def test_spellings_of_one_name_share_a_key(spoken, stored):
    assert name_key(spoken) == name_key(stored)


@pytest.mark.parametrize(("a", "b"), [("Rahul", "Rohan"), ("Neha", "Nisha"), ("Rahul Sharma", "Rahul Sarma")])
def test_different_names_keep_different_keys(a, b):
    assert name_key(a) != name_key(b)


@dataclass
class _User:
    pk: int
    display_name: str = "Rahul Sharma"
    vpa: str = "rsharma@securebank"


@dataclass
class _Match:
    user: _User | None = None
    candidates: list = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.candidates = self.candidates or []


@pytest.mark.parametrize(("text", "want"), [
    ("Rahul ko sava lakh bhejo", "Rahul Sharma (rsharma@securebank) ko ₹1,25,000.00 bhejein? Bhejne ke liye confirm karein."),
    ("राहुल को सवा लाख भेजो", "Rahul Sharma (rsharma@securebank) को ₹1,25,000.00 भेजें? भेजने के लिए पुष्टि करें।"),
    ("Rahul se 50 maango", "Rahul Sharma (rsharma@securebank) se ₹50.00 maangein? Request bhejne ke liye confirm karein."),
])
def test_confirmation_in_hindi(text, want):
    message = hindi_message(intent=parse_command(text), match=_Match(user=_User(pk=2)), user_pk=1, summary=None)
    assert message == want


def test_hindi_answers_for_balance_and_own_account():
    balance = parse_command("balance batao")
    message = hindi_message(intent=balance, match=_Match(), user_pk=1,
                            summary={"balance": "150000.00", "available": "149000.50"})
    assert message == "Aapka balance ₹1,50,000.00 hai; ₹1,49,000.50 upalabdh hai."
    assert hindi_message(intent=balance, match=_Match(), user_pk=1, summary=None) == "Aapka abhi koi khata nahin hai."
    own = hindi_message(intent=parse_command("Rahul ko 5 bhejo"), match=_Match(user=_User(pk=1)), user_pk=1, summary=None)
    assert own == "Yeh aapka apna khata hai; kisi aur ko chuniye."
