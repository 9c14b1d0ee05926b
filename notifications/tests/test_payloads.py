"""The Socket.IO payloads: flat, money as JSON numbers whose text is the exact decimal, the
native data kept unchanged."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifications.payloads import money_number, socketio_payload

STAMPS = {"timestamp": "2026-12-04T05:00:00+00:00", "sent_at": "2026-12-04T05:00:00.010000+00:00"}


@pytest.mark.parametrize(
    ("text", "number"),
    [("9750.00", 9750.0), ("-250.00", -250.0), ("0.10", 0.1), ("10150.35", 10150.35), ("0.00", 0.0),
     ("9999999999999.99", 9999999999999.99)],
)
def test_money_number_writes_the_same_decimal(text, number):
    assert money_number(text) == number
    assert Decimal(json.dumps(money_number(text))) == Decimal(text)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "1.005", "abc", "", "99999999999999999.99", None, 12, "1e400"])
def test_money_number_refuses_what_a_double_cannot_write_exactly(text):
    assert money_number(text) is None


@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
def test_every_paise_amount_of_up_to_15_digits_round_trips(paise):
    text = f"{Decimal(paise).scaleb(-2):.2f}"
    assert Decimal(json.dumps(money_number(text))) == Decimal(text)


def test_balance_update_has_numbers_at_the_top_and_the_strings_in_data():
    data = {"account": "48213390127745", "previous_balance": "10000.00", "balance": "9750.00", "change": "-250.00",
            "transaction_id": "7b1e", "reference": "418230771902", "committed_at": "…"}
    payload = socketio_payload(event="balance_update", data=dict(data), **STAMPS)
    assert payload == {
        "type": "balance_update", "title": "Balance updated", "message": "Your balance is \u20b99,750.00",
        "balance": 9750.0, "previous_balance": 10000.0, "change": -250.0, "transaction_id": "7b1e",
        "data": data, **STAMPS,
    }
    assert json.loads(json.dumps(payload))["balance"] == 9750  # a JSON number, not a string


def test_notification_carries_its_kind_as_type_and_title_message_at_the_top():
    data = {"kind": "money_request.created", "request": {"id": "5", "amount": "120.00"},
            "title": "Money request", "message": "Alice Rao (alice@securebank) requests \u20b9120.00",
            "notification_id": 42}
    payload = socketio_payload(event="notification", data=data, **STAMPS)
    assert (payload["type"], payload["title"], payload["message"]) == (
        "money_request.created", "Money request", "Alice Rao (alice@securebank) requests \u20b9120.00")
    assert payload["notification_id"] == 42 and payload["data"] is data
    assert "amount" not in payload  # a request's amount is nested in data.request, as natively


def test_fraud_alert_and_payments_keep_their_event_name_as_type():
    alert = {"alert_id": 3, "transaction_id": "t", "amount": "5000.00", "status": "open", "risk_level": "high",
             "reasons": ["new payee"], "title": "Payment held for review", "message": "Your payment ... is on hold"}
    payload = socketio_payload(event="fraud_alert", data=alert, **STAMPS)
    assert payload["type"] == "fraud_alert" and payload["message"] == alert["message"]
    assert payload["amount"] == 5000.0 and payload["alert_id"] == 3
    sent = socketio_payload(event="payment_sent", data={"amount": "25.00", "title": "", "status": "held"}, **STAMPS)
    assert (sent["type"], sent["title"], sent["message"], sent["amount"]) == ("payment_sent", "Payment sent", "", 25.0)


def test_junk_in_native_data_never_raises():
    payload = socketio_payload(event="notification", data={"kind": 5, "title": None, "amount": "x"}, **STAMPS)
    assert (payload["type"], payload["title"], payload["message"]) == ("notification", "Notification", "")
    assert "amount" not in payload


@pytest.mark.parametrize("balance", ["x", "NaN", "1e400", "", None, 7])
def test_a_balance_update_with_a_junk_balance_has_no_message_and_never_raises(balance):
    payload = socketio_payload(event="balance_update", data={"balance": balance}, **STAMPS)
    assert payload["message"] == "" and "balance" not in payload
