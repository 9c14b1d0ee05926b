from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.tests.factories import make_user
from ledger.models import Account, Transaction
from securebank.models import AuditEvent

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/ledger/account/"


def test_freeze_and_unfreeze_actions_audit(staff_client):
    alice = make_user("alice")
    account = Account.objects.get(owner=alice)
    staff_client.post(CHANGELIST, {"action": "freeze", "_selected_action": [account.pk]})
    account.refresh_from_db()
    assert account.status == "frozen"
    staff_client.post(CHANGELIST, {"action": "unfreeze", "_selected_action": [account.pk]})
    account.refresh_from_db()
    assert account.status == "active"
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == ["account.freeze", "account.unfreeze"]


def test_deposit_action_asks_then_posts_double_entry(staff_client):
    alice = make_user("alice")
    account = Account.objects.get(owner=alice)
    page = staff_client.post(CHANGELIST, {"action": "deposit", "_selected_action": [account.pk]})
    assert page.status_code == 200 and b"Deposit" in page.content
    bad = staff_client.post(CHANGELIST, {"action": "deposit", "_selected_action": [account.pk], "apply": "1",
                                         "amount": "1.234", "description": "x"})
    assert bad.status_code == 200  # form shown again with the error
    staff_client.post(CHANGELIST, {"action": "deposit", "_selected_action": [account.pk], "apply": "1",
                                   "amount": "500.25", "description": "branch cash"})
    account.refresh_from_db()
    assert account.balance == Decimal("10500.25")
    assert Transaction.objects.filter(kind="deposit", description="branch cash").count() == 1
    assert AuditEvent.objects.filter(action="ledger.deposit").exists()


def test_ledger_rows_are_not_editable_in_admin(staff_client):
    alice = make_user("alice")
    txn = Transaction.objects.get(payee_account__owner=alice)
    assert staff_client.get("/admin/ledger/transaction/add/").status_code == 403
    page = staff_client.get(f"/admin/ledger/transaction/{txn.pk}/change/")
    assert page.status_code == 200 and b'name="amount"' not in page.content
    assert staff_client.post(f"/admin/ledger/transaction/{txn.pk}/delete/", {"post": "yes"}).status_code == 403
