"""Money requests: create, list, accept/decline/cancel, expiry, and every forbidden transition."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from ledger.models import Account, Transaction
from ledger.services import hold_complete, hold_release
from notifications.models import Notification
from payments import services
from payments.exceptions import InvalidExpiry, MoneyRequestNotFound, MoneyRequestNotPending, PayerNotFound, SelfRequest
from payments.models import MoneyRequest
from payments.tests.factories import make_expired_request, make_request, make_user

pytestmark = pytest.mark.django_db


def balance(user) -> Decimal:
    return Account.objects.get(owner=user, is_primary=True).balance


def url(request, action: str) -> str:
    return f"/api/payments/requests/{request.pk}/{action}"


# --- create ------------------------------------------------------------------------------------
def test_create_by_api_notifies_the_payer(alice, bob, auth_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        res = auth_client(bob).post(
            "/api/payments/request", {"payer": "+91 98765 43210", "amount": "500", "note": "rent", "expires_in": 3600},
            format="json",
        )
    assert res.status_code == 201, res.json()
    body = res.json()["request"]
    assert body["status"] == "pending" and body["direction"] == "outgoing" and body["amount"] == "500.00"
    assert body["payer"] == {"name": "Alice Rao", "vpa": "alice@securebank"}
    assert body["requester"] == {"name": "Bob Iyer", "vpa": "bob@securebank"}
    request = MoneyRequest.objects.get()
    assert timedelta(minutes=59) < request.expires_at - request.created_at <= timedelta(hours=1)
    note = Notification.objects.get(user=alice)
    assert note.event == "notification" and note.data["kind"] == "money_request.created"
    assert note.data["request"]["id"] == str(request.pk)
    assert note.message == "Bob Iyer (bob@securebank) requests \u20b9500.00: rent"


def test_default_expiry_is_24_hours_and_at_most_7_days(alice, bob, auth_client):
    client = auth_client(bob)
    assert client.post("/api/payments/request", {"payer": "alice", "amount": "1"}, format="json").status_code == 201
    request = MoneyRequest.objects.get()
    assert request.expires_at - request.created_at == pytest.approx(timedelta(hours=24), abs=timedelta(seconds=2))
    for bad in (59, 7 * 86400 + 1, "soon", -1):
        res = client.post("/api/payments/request", {"payer": "alice", "amount": "1", "expires_in": bad}, format="json")
        assert res.status_code == 400, bad
    with pytest.raises(InvalidExpiry):
        services.money_request_create(requester=bob, payer="alice", amount=Decimal("1"), expires_in=timedelta(days=8))


def test_create_refusals(alice, bob, auth_client):
    client = auth_client(bob)
    res = client.post("/api/payments/request", {"payer": "nobody@securebank", "amount": "1"}, format="json")
    assert res.status_code == 404 and res.json()["error"]["code"] == "payer_not_found"
    res = client.post("/api/payments/request", {"payer": "bob", "amount": "1"}, format="json")
    assert res.status_code == 400 and res.json()["error"]["code"] == "self_request"
    res = client.post("/api/payments/request", {"payer": "alice", "amount": "0.001"}, format="json")
    assert res.status_code == 400 and res.json()["error"]["code"] == "invalid_amount"
    with pytest.raises(PayerNotFound):
        services.money_request_create(requester=bob, payer="ali", amount=Decimal("1"))
    with pytest.raises(SelfRequest):
        services.money_request_create(requester=bob, payer="BOB@securebank", amount=Decimal("1"))
    assert MoneyRequest.objects.count() == 0


# --- pending list ------------------------------------------------------------------------------
def test_pending_lists_incoming_and_outgoing_with_status(alice, bob, auth_client):
    carol = make_user("carol")
    incoming = make_request(bob, alice, "10.00")
    outgoing = make_request(alice, carol, "20.00")
    declined = make_request(carol, alice, "30.00")
    services.money_request_decline(user=alice, request_id=declined.pk)
    make_request(bob, carol, "40.00")  # not alice's business
    res = auth_client(alice).get("/api/payments/pending")
    assert res.status_code == 200
    body = res.json()
    assert [(r["id"], r["status"], r["direction"]) for r in body["incoming"]] == [
        (str(declined.pk), "declined", "incoming"), (str(incoming.pk), "pending", "incoming"),
    ]
    assert [(r["id"], r["status"]) for r in body["outgoing"]] == [(str(outgoing.pk), "pending")]
    only = auth_client(alice).get("/api/payments/pending", {"status": "pending", "direction": "incoming"}).json()
    assert [r["id"] for r in only["incoming"]] == [str(incoming.pk)] and only["outgoing"] == []
    assert auth_client(alice).get("/api/payments/pending", {"status": "lost"}).status_code == 400


def test_reading_pending_expires_what_is_due(alice, bob, auth_client, django_capture_on_commit_callbacks):
    due = make_expired_request(bob, alice)
    with django_capture_on_commit_callbacks(execute=True):
        body = auth_client(alice).get("/api/payments/pending").json()
    assert body["incoming"][0]["status"] == "expired"
    due.refresh_from_db()
    assert due.status == "expired" and due.responded_at is not None
    kinds = sorted(n.user.username for n in Notification.objects.filter(data__kind="money_request.expired"))
    assert kinds == ["alice", "bob"]


# --- accept ------------------------------------------------------------------------------------
def test_accept_pays_once_and_notifies(alice, bob, auth_client, django_capture_on_commit_callbacks):
    request = make_request(bob, alice, "300.00", note="dinner")
    with django_capture_on_commit_callbacks(execute=True):
        res = auth_client(alice).post(url(request, "accept"))
    assert res.status_code == 201, res.json()
    body = res.json()
    assert body["transaction"]["kind"] == "request_payment" and body["transaction"]["status"] == "completed"
    assert body["balance"] == "9700.00"
    assert body["request"]["status"] == "paid" and body["request"]["transaction"]["id"] == body["transaction"]["id"]
    assert balance(bob) == Decimal("10300.00")
    paid = Notification.objects.get(user=bob, data__kind="money_request.paid")
    assert paid.message == "Alice Rao paid your request for \u20b9300.00"
    assert Notification.objects.filter(user=bob, event="payment_received").count() == 1
    again = auth_client(alice).post(url(request, "accept"))
    assert again.status_code == 409
    assert again.json()["error"] == {
        "code": "request_not_pending", "message": "This request is already paid.", "fields": {}, "status": "paid",
    }
    assert balance(bob) == Decimal("10300.00") and Transaction.objects.filter(kind="request_payment").count() == 1


def test_accept_with_idempotency_key_replays(alice, bob, auth_client):
    request = make_request(bob, alice, "5.00")
    client = auth_client(alice)
    first = client.post(url(request, "accept"), HTTP_IDEMPOTENCY_KEY="acc-1")
    again = client.post(url(request, "accept"), HTTP_IDEMPOTENCY_KEY="acc-1")
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    other = make_request(bob, alice, "5.00")
    clash = client.post(url(other, "accept"), HTTP_IDEMPOTENCY_KEY="acc-1")
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "idempotency_conflict"
    assert balance(bob) == Decimal("10005.00")


def test_accept_without_funds_leaves_the_request_pending(alice, bob, auth_client):
    request = make_request(bob, alice, "20000.00")
    res = auth_client(alice).post(url(request, "accept"))
    assert res.status_code == 422 and res.json()["error"]["code"] == "insufficient_funds"
    request.refresh_from_db()
    assert request.status == "pending" and request.transaction is None


def test_risk_decline_is_recorded_and_the_request_stays_pending(alice, bob, auth_client, scripted_risk):
    request = make_request(bob, alice, "50.00")
    scripted_risk.decision = "decline"
    res = auth_client(alice).post(url(request, "accept"))
    assert res.status_code == 422 and res.json()["error"]["code"] == "transaction_declined"
    request.refresh_from_db()
    assert request.status == "pending"
    assert Transaction.objects.get(kind="request_payment").status == "declined"
    scripted_risk.decision = "allow"
    assert auth_client(alice).post(url(request, "accept")).status_code == 201


def test_held_payment_marks_paid_and_a_released_hold_reopens_it(
    alice, bob, auth_client, scripted_risk, django_capture_on_commit_callbacks
):
    request = make_request(bob, alice, "50.00")
    scripted_risk.decision = "hold"
    with django_capture_on_commit_callbacks(execute=True):
        res = auth_client(alice).post(url(request, "accept"))
    assert res.status_code == 202
    assert res.json()["request"]["status"] == "paid" and res.json()["request"]["transaction"]["status"] == "held"
    assert "under review" in Notification.objects.get(user=bob, data__kind="money_request.paid").message
    with django_capture_on_commit_callbacks(execute=True):
        hold_release(transaction_id=res.json()["transaction"]["id"])
    request.refresh_from_db()
    assert request.status == "pending" and request.transaction is None and request.responded_at is None
    assert Notification.objects.filter(data__kind="money_request.reopened").count() == 2
    scripted_risk.decision = "allow"
    assert auth_client(alice).post(url(request, "accept")).status_code == 201
    assert balance(bob) == Decimal("10050.00")


def test_a_released_hold_reopens_its_request_in_the_same_transaction(alice, bob, auth_client, scripted_risk):
    """No after-commit step: once hold_release returns (before any commit callback runs), the
    request is open again."""
    request = make_request(bob, alice, "50.00")
    scripted_risk.decision = "hold"
    txn_id = auth_client(alice).post(url(request, "accept")).json()["transaction"]["id"]
    hold_release(transaction_id=txn_id)  # no django_capture_on_commit_callbacks: nothing after commit runs
    request.refresh_from_db()
    assert request.status == "pending" and request.transaction is None


def test_a_failed_reopen_rolls_the_hold_release_back(alice, bob, auth_client, scripted_risk, monkeypatch):
    """A request must never stay "paid" for a payment that never happened: if reopening it
    fails, the release fails with it and the hold stays (to be released again)."""
    request = make_request(bob, alice, "50.00")
    scripted_risk.decision = "hold"
    txn_id = auth_client(alice).post(url(request, "accept")).json()["transaction"]["id"]

    def broken(**kwargs):
        raise RuntimeError("request store unavailable")

    monkeypatch.setattr(services, "money_request_reopen", broken)
    with pytest.raises(RuntimeError):
        hold_release(transaction_id=txn_id)
    request.refresh_from_db()
    txn = Transaction.objects.get(pk=txn_id)
    assert txn.status == Transaction.Status.HELD and request.status == "paid"
    assert Account.objects.get(owner=alice).held == Decimal("50.00")


def test_held_payment_completed_after_review_keeps_the_request_paid(
    alice, bob, auth_client, scripted_risk, django_capture_on_commit_callbacks
):
    request = make_request(bob, alice, "50.00")
    scripted_risk.decision = "hold"
    res = auth_client(alice).post(url(request, "accept"))
    with django_capture_on_commit_callbacks(execute=True):
        hold_complete(transaction_id=res.json()["transaction"]["id"])
    request.refresh_from_db()
    assert request.status == "paid" and balance(bob) == Decimal("10050.00")
    assert Notification.objects.filter(user=bob, event="payment_received").count() == 1


# --- decline / cancel ----------------------------------------------------------------------------
def test_decline_and_cancel_notify_the_other_party(alice, bob, auth_client, django_capture_on_commit_callbacks):
    first, second = make_request(bob, alice), make_request(bob, alice)
    with django_capture_on_commit_callbacks(execute=True):
        declined = auth_client(alice).post(url(first, "decline"))
        cancelled = auth_client(bob).post(url(second, "cancel"))
    assert declined.status_code == 200 and declined.json()["request"]["status"] == "declined"
    assert cancelled.status_code == 200 and cancelled.json()["request"]["status"] == "cancelled"
    assert Notification.objects.get(data__kind="money_request.declined").user == bob
    assert Notification.objects.get(data__kind="money_request.cancelled").user == alice
    assert balance(bob) == balance(alice) == Decimal("10000.00")


def test_decline_and_cancel_take_no_fields(alice, bob, auth_client):
    request = make_request(bob, alice)
    res = auth_client(alice).post(url(request, "decline"), {"reason": "x"}, format="json")
    assert res.status_code == 400
    request.refresh_from_db()
    assert request.status == "pending"


# --- forbidden transitions -----------------------------------------------------------------------
ACTOR = {"accept": "payer", "decline": "payer", "cancel": "requester"}


def _in_state(state: str, requester, payer):
    if state == "expired_unprocessed":
        return make_expired_request(requester, payer)
    request = make_request(requester, payer, "10.00")
    if state == "paid":
        services.money_request_accept(user=payer, request_id=request.pk)
    elif state == "declined":
        services.money_request_decline(user=payer, request_id=request.pk)
    elif state == "cancelled":
        services.money_request_cancel(user=requester, request_id=request.pk)
    elif state == "expired":
        request = make_expired_request(requester, payer)
        services.money_requests_expire()
    request.refresh_from_db()
    return request


@pytest.mark.parametrize("state", ["paid", "declined", "cancelled", "expired", "expired_unprocessed"])
@pytest.mark.parametrize("action", ["accept", "decline", "cancel"])
def test_acting_on_a_non_pending_request_is_409_with_its_status(alice, bob, auth_client, state, action):
    request = _in_state(state, requester=bob, payer=alice)
    before = (balance(alice), balance(bob))
    actor = alice if ACTOR[action] == "payer" else bob
    res = auth_client(actor).post(url(request, action))
    expected = "expired" if state == "expired_unprocessed" else state
    assert res.status_code == 409, res.json()
    assert res.json()["error"]["code"] == "request_not_pending"
    assert res.json()["error"]["status"] == expected
    request.refresh_from_db()
    assert request.status == expected  # an unprocessed expiry is written even though the call failed
    assert (balance(alice), balance(bob)) == before


@pytest.mark.parametrize(("action", "who"), [
    ("accept", "requester"), ("decline", "requester"), ("cancel", "payer"),
    ("accept", "stranger"), ("decline", "stranger"), ("cancel", "stranger"),
])
def test_anyone_but_the_right_party_gets_404(alice, bob, auth_client, action, who):
    stranger = make_user("mallory")
    request = make_request(bob, alice, "10.00")
    actor = {"requester": bob, "payer": alice, "stranger": stranger}[who]
    res = auth_client(actor).post(url(request, action))
    assert res.status_code == 404 and res.json()["error"]["code"] == "not_found"
    request.refresh_from_db()
    assert request.status == "pending" and balance(bob) == Decimal("10000.00")


def test_unknown_and_malformed_ids_are_404(alice, auth_client):
    client = auth_client(alice)
    assert client.post("/api/payments/requests/00000000-0000-0000-0000-000000000000/accept").status_code == 404
    assert client.post("/api/payments/requests/not-a-uuid/accept").status_code == 404
    with pytest.raises(MoneyRequestNotFound):
        services.money_request_decline(user=alice, request_id="nope")


def test_service_raises_not_pending_with_status(alice, bob):
    request = make_request(bob, alice)
    services.money_request_cancel(user=bob, request_id=request.pk)
    with pytest.raises(MoneyRequestNotPending) as caught:
        services.money_request_accept(user=alice, request_id=request.pk)
    assert caught.value.extra == {"status": "cancelled"}


# --- expiry job ----------------------------------------------------------------------------------
def test_expire_requests_command_is_safe_to_rerun(alice, bob, capsys):
    due = [make_expired_request(bob, alice) for _ in range(3)]
    fresh = make_request(bob, alice)
    paid = make_request(bob, alice)
    services.money_request_accept(user=alice, request_id=paid.pk)
    call_command("expire_requests")
    assert "3 request(s) expired" in capsys.readouterr().out
    call_command("expire_requests")
    assert "0 request(s) expired" in capsys.readouterr().out
    assert {r.status for r in MoneyRequest.objects.filter(pk__in=[d.pk for d in due])} == {"expired"}
    fresh.refresh_from_db()
    paid.refresh_from_db()
    assert (fresh.status, paid.status) == ("pending", "paid")


def test_expire_in_batches(alice, bob):
    for _ in range(5):
        make_expired_request(bob, alice)
    assert services.money_requests_expire(batch=2) == 5
    assert MoneyRequest.objects.filter(status="expired").count() == 5


def test_expire_requests_loop_stops_on_sigterm(alice, bob, capsys, monkeypatch):
    import os
    import signal as signals

    from securebank.management import loop

    make_expired_request(bob, alice)
    monkeypatch.setattr(loop, "close_old_connections", lambda: None)  # keep the test's transaction
    waits = []

    def wait(self, seconds: float) -> None:
        waits.append(seconds)
        os.kill(os.getpid(), signals.SIGTERM)  # asked to stop during the first wait

    monkeypatch.setattr(loop.LoopCommand, "wait", wait)
    call_command("expire_requests", "--loop", "--interval", "5")
    out = capsys.readouterr().out
    assert "expire_requests: 1 request(s) expired" in out and out.endswith("expire_requests: stopped\n")
    assert waits == [5] and MoneyRequest.objects.get().status == "expired"
