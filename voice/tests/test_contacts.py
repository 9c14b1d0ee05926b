"""Who counts as the caller's contact: people they paid, and people who paid them by the
ledger's customer-payment rule (a reversal is the bank's posting, not someone paying)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.services import transfer_reverse
from payments.services import payment_send
from voice.parsing import PayeeRef
from voice.selectors import contacts_for_user, payee_match
from voice.tests.factories import make_contact, make_user

pytestmark = pytest.mark.django_db


def _ids(user) -> list[int]:
    return [c.user_id for c in contacts_for_user(user=user)]


def test_people_who_paid_the_caller_come_after_the_people_paid():
    alice = make_user("alice", full_name="Alice Rao")
    bob, carol = make_user("bob", full_name="Bob Das"), make_user("carol", full_name="Carol Iyer")
    make_contact(bob, alice)
    make_contact(alice, carol)
    assert _ids(alice) == [carol.pk, bob.pk]


def test_a_reversal_does_not_make_the_reversed_payee_a_contact():
    alice, staff = make_user("alice", full_name="Alice Rao"), make_user("ops", is_staff=True)
    rahul = make_user("rsharma", full_name="Rahul Sharma")
    paid = payment_send(payer=alice, payee=rahul.vpa, amount=Decimal("250.00")).transaction
    assert _ids(alice) == [rahul.pk]
    # The reversal moves the money from Rahul's account back to Alice's, completed: a payment
    # into Alice's account, but the bank's posting, not Rahul paying her.
    transfer_reverse(transaction_id=paid.pk, actor=staff, reason="duplicate")
    assert _ids(alice) == []
    assert payee_match(user=alice, ref=PayeeRef(kind="name", query="Rahul")).user is None
