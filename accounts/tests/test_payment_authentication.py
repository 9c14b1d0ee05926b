"""The payment POSTs authenticate without reading the user (`user_read_in_payment`): the PIN
gate reads it first inside the payment's transaction. A customer deleted or deactivated after
their token was issued must be refused there with the same 401 as everywhere, with nothing
written: no key, no money, no notification, no counted PIN attempt."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework_simplejwt.tokens import AccessToken

from accounts import pin as pins
from accounts.models import User, UserPin
from accounts.tests.factories import make_user
from ledger.models import Account, IdempotencyKey, Transaction
from notifications.models import Notification
from payments import services as payments
from payments.models import MoneyRequest

pytestmark = pytest.mark.django_db


def _transfer(bob: User, alice: User) -> tuple[str, dict]:
    return "/api/transactions/transfer", {"to_account": Account.objects.get(owner=bob).number, "amount": "5.00"}


def _send(bob: User, alice: User) -> tuple[str, dict]:
    return "/api/payments/send", {"payee": bob.vpa, "amount": "5.00"}


def _accept(bob: User, alice: User) -> tuple[str, dict]:
    asked = payments.money_request_create(requester=bob, payer=alice.username, amount="5.00", note="")
    return f"/api/payments/requests/{asked.pk}/accept", {}


PAYMENT_VIEWS = {"TransferView": _transfer, "SendView": _send, "RequestAcceptView": _accept}


def _views_reading_the_user_in_payment() -> set[str]:
    found: set[str] = set()

    def walk(patterns: list) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns)
            elif isinstance(p, URLPattern) and hasattr(p.callback, "cls"):
                if getattr(p.callback.cls, "user_read_in_payment", False):
                    found.add(p.callback.cls.__name__)

    walk(get_resolver().url_patterns)
    return found


def test_only_views_that_run_the_pin_gate_on_every_path_skip_the_user_read():
    # Adding a view here means: its every path calls pin_check_in_payment before anything else.
    assert _views_reading_the_user_in_payment() == set(PAYMENT_VIEWS)


def _written() -> tuple[int, ...]:
    return (IdempotencyKey.objects.count(), Transaction.objects.count(), Notification.objects.count(),
            MoneyRequest.objects.exclude(status=MoneyRequest.Status.PENDING).count(),
            sum(UserPin.objects.values_list("failed_attempts", flat=True)))


@pytest.mark.parametrize("view", sorted(PAYMENT_VIEWS))
@pytest.mark.parametrize("key", [None, "k-1"])
@pytest.mark.parametrize("pin", [None, "1111"])
def test_a_deactivated_customer_with_a_valid_token_is_refused_and_nothing_is_written(auth_client, view, key, pin):
    alice, bob = make_user("alice"), make_user("bob")
    pins.pin_set(user=alice, pin="2580", pin_confirm="2580")
    url, body = PAYMENT_VIEWS[view](bob, alice)
    client = auth_client(alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    before = _written()
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    resp = client.post(url, {**body, **({"pin": pin} if pin else {})}, format="json", **headers)
    assert resp.status_code == 401, resp.content
    everywhere = client.get("/api/accounts/me")  # the refusal every other endpoint gives this token
    assert everywhere.status_code == 401 and resp.json() == everywhere.json()
    assert resp.headers["WWW-Authenticate"] == everywhere.headers["WWW-Authenticate"]
    assert _written() == before


@pytest.mark.parametrize("view", sorted(PAYMENT_VIEWS))
def test_a_token_for_no_customer_is_refused(api_client, view):
    alice, bob = make_user("alice"), make_user("bob")
    url, body = PAYMENT_VIEWS[view](bob, alice)
    token = AccessToken.for_user(alice)
    token["user_id"] = User.objects.order_by("-pk").first().pk + 100
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    before = _written()
    resp = api_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    everywhere = api_client.get("/api/accounts/me")
    assert resp.status_code == everywhere.status_code == 401 and resp.json() == everywhere.json()
    assert _written() == before


@pytest.mark.parametrize("view", sorted(PAYMENT_VIEWS))
def test_an_active_customer_pays_and_their_fields_are_read_when_used(auth_client, view, scripted_risk):
    alice, bob = make_user("alice"), make_user("bob")
    url, body = PAYMENT_VIEWS[view](bob, alice)
    resp = auth_client(alice).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert resp.status_code == 201, resp.content
    txn = Transaction.objects.get(pk=resp.json()["transaction"]["id"])
    assert txn.initiated_by_id == alice.pk and txn.payer_account.owner_id == alice.pk
    assert Notification.objects.filter(user=alice, data__transaction_id=str(txn.pk)).exists()
