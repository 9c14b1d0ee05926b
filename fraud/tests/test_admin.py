"""Operator admin: approve / reject actions go through the audited review; models show their
metrics and PR curve and can be activated."""

from __future__ import annotations

import pytest

from accounts.models import User
from fraud.models import FraudAlert, FraudModel
from fraud.tests.conftest import TEST_VERSION, register_model
from fraud.tests.factories import held_transfer, make_user
from ledger.models import Transaction
from securebank.models import AuditEvent

pytestmark = pytest.mark.django_db
ALERTS = "/admin/fraud/fraudalert/"
MODELS = "/admin/fraud/fraudmodel/"


def test_approve_and_reject_actions(staff_client):
    alice, bob = make_user("alice"), make_user("bob")
    approve_txn, approve = held_transfer(payer=alice, payee=bob)
    reject_txn, reject = held_transfer(payer=bob, payee=alice)
    assert staff_client.get(ALERTS).status_code == 200
    staff_client.post(ALERTS, {"action": "approve", "_selected_action": [approve.pk]})
    staff_client.post(ALERTS, {"action": "reject", "_selected_action": [reject.pk]})
    approve_txn.refresh_from_db()
    reject_txn.refresh_from_db()
    assert approve_txn.status == Transaction.Status.COMPLETED and reject_txn.status == Transaction.Status.DECLINED
    assert set(FraudAlert.objects.values_list("status", flat=True)) == {"approved", "rejected"}
    ops = User.objects.get(username="ops")
    assert AuditEvent.objects.filter(actor=ops, action__in=["fraud.alert.approve", "fraud.alert.reject"]).count() == 2
    # a second approval is refused with a message, nothing changes
    response = staff_client.post(ALERTS, {"action": "approve", "_selected_action": [approve.pk]}, follow=True)
    assert "already" in response.content.decode()
    assert staff_client.get(f"{ALERTS}{approve.pk}/change/").status_code == 200


def test_model_admin_shows_metrics_and_curve_and_activates(staff_client, model_dir_setting):
    register_model(active=False)
    (model_dir_setting / TEST_VERSION / "pr_curve.png").write_bytes(b"\x89PNG fake")
    row = FraudModel.objects.get()
    page = staff_client.get(f"{MODELS}{row.pk}/change/").content.decode()
    assert "data:image/png;base64," in page and "auprc" in page
    assert staff_client.get(MODELS).status_code == 200
    staff_client.post(MODELS, {"action": "activate", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.is_active
    assert AuditEvent.objects.filter(action="fraud.model.activate").exists()


def test_a_model_whose_files_do_not_load_is_not_activated(staff_client, settings, tmp_path):
    settings.FRAUD_MODEL_DIR = tmp_path
    row = register_model("ghost", active=False)
    response = staff_client.post(MODELS, {"action": "activate", "_selected_action": [row.pk]}, follow=True)
    assert "Not activated" in response.content.decode()
    row.refresh_from_db()
    assert not row.is_active
