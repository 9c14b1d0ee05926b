"""POST /api/speech/process with typed text: intents, payee matching, tokens, errors."""

from __future__ import annotations

import pytest

from voice.models import VoiceConfirmation
from voice.tests.factories import make_contact, make_user

pytestmark = pytest.mark.django_db
PROCESS = "/api/speech/process"


@pytest.fixture
def alice(db):
    return make_user("alice", full_name="Alice Rao", phone="9876500001")


@pytest.fixture
def rahul(alice):
    rahul = make_user("rsharma", full_name="Rahul Sharma", phone="9876543210")
    make_contact(alice, rahul)
    return rahul


@pytest.fixture
def client(alice, auth_client):
    return auth_client(alice)


def process(client, text):
    return client.post(PROCESS, {"text": text}, format="json")


def test_complete_payment_to_a_contact_gets_a_token(client, alice, rahul):
    res = process(client, "Please pay Rahul five hundred rupees")
    assert res.status_code == 200, res.json()
    body = res.json()
    assert body["transcript"] == "Please pay Rahul five hundred rupees" and body["source"] == "text"
    assert body["intent"] == "pay" and body["amount"] == "500.00" and body["missing"] == []
    assert body["payee"]["query"] == "rahul" and body["payee"]["kind"] == "name"
    match = body["payee"]["match"]
    assert match["display_name"] == "Rahul Sharma" and match["vpa"] == "rsharma@securebank"
    assert match["matched_by"] == "fuzzy" and match["score"] == 100.0
    assert body["payee"]["candidates"] == []
    assert body["confirmation_token"] and body["expires_at"]
    assert body["message"] == "Pay ₹500.00 to Rahul Sharma (rsharma@securebank)? Confirm to send."
    row = VoiceConfirmation.objects.get()
    assert (row.user, row.payee, row.amount, row.intent, row.consumed_at) == (alice, rahul, 500, "pay", None)


def test_nothing_moves_on_process(client, alice, rahul):
    from ledger.models import Transaction

    before = Transaction.objects.count()
    process(client, "pay rahul 500")
    assert Transaction.objects.count() == before


@pytest.mark.parametrize(
    ("text", "matched_by"),
    [
        ("pay rahul sharma 500", "contact_name"),
        ("pay rahul sarma 500", "fuzzy"),
        ("send 500 to rsharma@securebank", "vpa"),
        ("send 500 to RSHARMA@SECUREBANK", "vpa"),
        ("transfer 500 to +91 98765 43210", "phone"),
        ("pay rsharma 500", "username"),
    ],
)
def test_each_way_of_naming_the_payee(client, rahul, text, matched_by):
    body = process(client, text).json()
    assert body["payee"]["match"]["user_id"] == rahul.pk, body
    assert body["payee"]["match"]["matched_by"] == matched_by
    assert body["confirmation_token"]


def test_exact_identifiers_reach_customers_who_are_not_contacts(client):
    stranger = make_user("priya", full_name="Priya Nair", phone="9000000001")
    body = process(client, "pay priya@securebank 100").json()
    assert body["payee"]["match"]["user_id"] == stranger.pk and body["confirmation_token"]
    # ...but a spoken name is only matched against the caller's own contacts
    body = process(client, "pay priya nair 100").json()
    assert body["payee"]["match"] is None and body["confirmation_token"] is None
    assert "could not find" in body["message"]


def test_two_close_contacts_are_candidates_and_get_no_token(client, alice, rahul):
    verma = make_user("rverma", full_name="Rahul Verma")
    make_contact(alice, verma)
    body = process(client, "pay rahul 500").json()
    assert body["payee"]["match"] is None and body["confirmation_token"] is None
    assert {c["user_id"] for c in body["payee"]["candidates"]} == {rahul.pk, verma.pk}
    assert "More than one person" in body["message"]
    # the full name settles it
    body = process(client, "pay rahul verma 500").json()
    assert body["payee"]["match"]["user_id"] == verma.pk and body["confirmation_token"]


def test_a_username_that_competes_with_a_contact_is_a_candidate(client, alice, rahul):
    other = make_user("rahul", full_name="Rahul Gupta")  # a stranger whose username is "rahul"
    body = process(client, "pay rahul 500").json()
    assert body["confirmation_token"] is None
    assert {c["user_id"] for c in body["payee"]["candidates"]} == {other.pk, rahul.pk}


def test_people_who_paid_the_caller_are_contacts_too(client, alice):
    meena = make_user("meena", full_name="Meena Iyer")
    make_contact(meena, alice)
    body = process(client, "request 300 from meena iyer").json()
    assert body["intent"] == "request" and body["payee"]["match"]["user_id"] == meena.pk
    assert body["message"] == "Request ₹300.00 from Meena Iyer (meena@securebank)? Confirm to send the request."


@pytest.mark.parametrize(
    ("text", "missing", "message"),
    [
        ("pay rahul", ["amount"], "How much should I pay Rahul Sharma (rsharma@securebank)?"),
        ("send 5k", ["payee"], "Who should I pay ₹5,000.00 to?"),
        ("pay", ["amount", "payee"], "Who should I pay, and how much?"),
        ("request 250", ["payee"], "Who should I request ₹250.00 from?"),
    ],
)
def test_incomplete_commands_say_what_is_missing_and_get_no_token(client, rahul, text, missing, message):
    body = process(client, text).json()
    assert body["missing"] == missing and body["confirmation_token"] is None
    assert body["message"] == message
    assert not VoiceConfirmation.objects.exists()


@pytest.mark.parametrize(
    "text", ["pay rahul 0", "pay rahul -500", "pay rahul 10.505", "pay rahul 2 lakh", "pay rahul 1 crore",
             "pay rahul 500 and amit 300"],
)
def test_bad_amounts_are_400_invalid_amount(client, rahul, text):
    res = process(client, text)
    assert res.status_code == 400
    assert res.json()["error"]["code"] == "invalid_amount"
    assert not VoiceConfirmation.objects.exists()


def test_indian_amounts_within_the_limit(client, rahul):
    body = process(client, "pay rahul one lakh").json()
    assert body["amount"] == "100000.00" and body["confirmation_token"]
    assert "₹1,00,000.00" in body["message"]


def test_paying_yourself_gets_no_token(client, alice):
    body = process(client, "pay alice@securebank 100").json()
    assert body["payee"]["match"]["user_id"] == alice.pk and body["confirmation_token"] is None
    assert "your own account" in body["message"]


def test_balance_is_answered_directly(client):
    body = process(client, "what's my balance").json()
    assert body["intent"] == "balance" and body["confirmation_token"] is None
    assert body["balance"]["balance"] == "10000.00"
    assert body["message"] == "Your balance is ₹10,000.00; ₹10,000.00 is available."


def test_history_is_answered_directly(client, alice, rahul):
    bob = make_user("bob")
    make_contact(alice, bob, "2.00")
    body = process(client, "show my last 2 transactions").json()
    assert body["intent"] == "history" and body["confirmation_token"] is None
    assert len(body["transactions"]) == 2
    assert body["transactions"][0]["amount"] == "2.00"  # newest first
    assert len(process(client, "transaction history").json()["transactions"]) == 3  # default 5: all three


def test_unknown_commands(client):
    body = process(client, "what is the weather").json()
    assert body["intent"] == "unknown" and body["confirmation_token"] is None and "did not understand" in body["message"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "text"), ({"text": ""}, "text"), ({"text": "pay rahul 5", "extra": 1}, "extra"), ({"text": "x" * 501}, "text")],
)
def test_malformed_input_is_400(client, payload, field):
    res = client.post(PROCESS, payload, format="json")
    assert res.status_code == 400
    assert field in res.json()["error"]["fields"]


def test_authentication_required(api_client):
    res = api_client.post(PROCESS, {"text": "pay rahul 5"}, format="json")
    assert res.status_code == 401


def test_throttled(client, rahul, throttle_rates):
    throttle_rates(voice="2/min")
    for _ in range(2):
        assert process(client, "what's my balance").status_code == 200
    res = process(client, "what's my balance")
    assert res.status_code == 429 and res.json()["error"]["code"] == "throttled"
    res = client.post("/api/speech/execute", {"confirmation_token": "x"}, format="json")
    assert res.status_code == 429  # one scope for both endpoints


def test_contact_names_for_the_recognizer(alice, rahul):
    from voice.selectors import contact_names

    nameless = make_user("kd99", full_name="")
    make_contact(alice, nameless)
    assert contact_names(user=alice) == ["kd99", "rahul sharma"]  # most recent first, one each
