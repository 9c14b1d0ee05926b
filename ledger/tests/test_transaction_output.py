"""TransactionOutput renders by hand on the hot path; DRF's generic rendering of the same
declared fields is the reference it must match."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework import serializers

from accounts.tests.factories import make_user
from ledger import selectors, services
from ledger.models import Account
from ledger.presenters import transfer_result
from ledger.serializers import TransactionOutput

pytestmark = pytest.mark.django_db


def _generic(txn) -> dict:
    return serializers.Serializer.to_representation(TransactionOutput(), txn)


@pytest.mark.parametrize("decision", ["allow", "hold"])
def test_the_transfer_answer_matches_drf_generic_rendering(scripted_risk, decision):
    scripted_risk.decision = decision
    alice, bob = make_user("alice"), make_user("bob")
    payee = Account.objects.get(owner=bob, is_primary=True)
    outcome = services.transfer_create(payer=alice, payee_account=payee, amount=Decimal("12.30"), description="tea")
    _, body = transfer_result(outcome)
    assert body["transaction"] == _generic(outcome.transaction)
    assert body["transaction"]["fraud"]["decision"] == decision
    assert set(body["transaction"]) == set(TransactionOutput().fields)


def test_history_rows_match_drf_generic_rendering_from_both_sides():
    alice, bob = make_user("alice"), make_user("bob")
    payee = Account.objects.get(owner=bob, is_primary=True)
    services.transfer_create(payer=alice, payee_account=payee, amount=Decimal("5.00"))
    for user in (alice, bob):  # outgoing, incoming, and the opening deposit from the bank
        rows = list(selectors.transaction_history(user=user))
        assert len(rows) == 2
        assert TransactionOutput(rows, many=True).data == [_generic(t) for t in rows]
    assert {r["direction"] for r in TransactionOutput(selectors.transaction_history(user=bob), many=True).data} == {"in"}
