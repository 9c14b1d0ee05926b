"""POST /api/speech/process with Hindi and Hinglish text: names across scripts, answers in Hindi,
the common error for bad amounts, and nothing moving before the confirmation step."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.models import Account, Transaction
from voice.models import VoiceConfirmation
from voice.tests.factories import make_contact, make_user

pytestmark = pytest.mark.django_db
PROCESS, EXECUTE = "/api/speech/process", "/api/speech/execute"


@pytest.fixture
def alice(db):
    return make_user("alice", full_name="Alice Rao", phone="9876500001")


@pytest.fixture
def rahul(alice):
    rahul = make_user("rsharma", full_name="Rahul Sharma", phone="9876543210")
    make_contact(alice, rahul)
    return rahul


@pytest.fixture
def neha(alice):
    neha = make_user("nehav", full_name="Neha Verma", phone="9876543211")
    make_contact(alice, neha)
    return neha


@pytest.fixture
def client(alice, auth_client):
    return auth_client(alice)


def process(client, text):
    return client.post(PROCESS, {"text": text}, format="json")


@pytest.mark.parametrize("text", [
    "राहुल को 500 रुपये भेजो", "Raahul ko 500 rupaye bhejo", "rahul ko paanch sau bhej do",
    "राहुल शर्मा को ५०० रुपये भेजो", "500 rupaye Rahul ji ko transfer karo",
])
def test_a_name_in_either_script_resolves_to_the_contact(client, rahul, neha, text):
    body = process(client, text).json()
    assert body["intent"] == "pay" and body["amount"] == "500.00" and body["language"] == "hi", body
    assert body["payee"]["match"]["user_id"] == rahul.pk
    assert body["confirmation_token"]


def test_the_payee_is_kept_as_spoken(client, rahul):
    body = process(client, "राहुल को 500 रुपये भेजो").json()
    assert body["payee"]["query"] == "राहुल" and body["script"] == "devanagari"
    assert body["payee"]["match"]["matched_by"] == "fuzzy" and body["payee"]["match"]["score"] == 100.0


def test_a_devanagari_full_name_is_an_exact_contact_match(client, rahul):
    body = process(client, "राहुल शर्मा को 500 रुपये भेजो").json()
    assert body["payee"]["match"]["matched_by"] == "contact_name"


def test_devanagari_command_is_answered_in_devanagari_with_indian_grouping(client, rahul, settings):
    settings.MAX_TRANSFER_AMOUNT = Decimal("500000.00")
    body = process(client, "राहुल को डेढ़ लाख रुपये भेजो").json()
    assert body["amount"] == "150000.00"
    assert body["message"] == "Rahul Sharma (rsharma@securebank) को ₹1,50,000.00 भेजें? भेजने के लिए पुष्टि करें।"


def test_romanized_command_is_answered_in_romanized_hindi(client, neha):
    body = process(client, "mujhe Neha se dhai hazaar chahiye").json()
    assert body["intent"] == "request" and body["amount"] == "2500.00"
    assert body["message"] == ("Neha Verma (nehav@securebank) se ₹2,500.00 maangein? "
                               "Request bhejne ke liye confirm karein.")


def test_english_commands_are_still_answered_in_english(client, rahul):
    body = process(client, "pay rahul 500").json()
    assert body["language"] == "en" and body["message"].startswith("Pay ₹500.00 to Rahul Sharma")


@pytest.mark.parametrize(("text", "missing", "message"), [
    ("Rahul ko paise bhejo", ["amount"], "Rahul Sharma (rsharma@securebank) ko kitne paise bhejne hain?"),
    ("500 rupaye bhejo", ["payee"], "₹500.00 kisko bhejne hain?"),
    ("नेहा से पैसे मांगो", ["amount"], "Neha Verma (nehav@securebank) से कितने पैसे मांगने हैं?"),
])
def test_incomplete_hindi_commands_ask_in_hindi_and_get_no_token(client, rahul, neha, text, missing, message):
    body = process(client, text).json()
    assert body["missing"] == missing and body["confirmation_token"] is None
    assert body["message"] == message


def test_unknown_name_and_ambiguity_are_answered_in_hindi(client, alice, rahul):
    body = process(client, "किरण को 500 भेजो").json()
    assert body["payee"]["match"] is None and body["confirmation_token"] is None
    assert body["message"].startswith('"किरण" आपके संपर्कों में नहीं मिला।')
    make_contact(alice, make_user("rahulv", full_name="Rahul Verma"))
    body = process(client, "Rahul ko 500 bhejo").json()
    assert len(body["payee"]["candidates"]) == 2 and body["confirmation_token"] is None
    assert body["message"].startswith('"rahul" naam se ek se zyada log milte hain:')


@pytest.mark.parametrize("text", [
    "Rahul ko -500 rupaye bhejo", "Rahul ko minus paanch sau bhejo", "राहुल को शून्य रुपये भेजो",
    "Rahul ko 0 rupaye bhejo", "Rahul ko 10.505 bhejo", "राहुल को 1,0,00 भेजो", "Rahul ko saade bhejo",
    "Rahul ko sau sau bhejo",
])
def test_bad_hindi_amounts_are_400_invalid_amount_and_nothing_is_created(client, rahul, text):
    before = (Transaction.objects.count(), VoiceConfirmation.objects.count())
    res = process(client, text)
    assert res.status_code == 400 and res.json()["error"]["code"] == "invalid_amount", res.json()
    assert (Transaction.objects.count(), VoiceConfirmation.objects.count()) == before


def test_hindi_balance_and_history(client, alice, rahul):
    body = process(client, "मेरा बैलेंस कितना है").json()
    assert body["intent"] == "balance" and body["message"].startswith("आपका बैलेंस ₹")
    body = process(client, "pichhle 1 transactions dikhao").json()
    assert body["intent"] == "history" and len(body["transactions"]) == 1
    assert body["message"] == "Yeh rahe aapke pichhle 1 transactions."


def test_money_moves_only_on_execute(client, alice, rahul):
    payer = Account.objects.get(owner=alice, is_primary=True)
    before = payer.balance
    body = process(client, "राहुल को सवा सौ रुपये भेजो").json()
    assert body["amount"] == "125.00"
    payer.refresh_from_db()
    assert payer.balance == before
    res = client.post(EXECUTE, {"confirmation_token": body["confirmation_token"]}, format="json")
    assert res.status_code == 201, res.json()
    payer.refresh_from_db()
    assert payer.balance == before - Decimal("125.00")
