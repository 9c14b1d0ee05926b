"""Notification moved from payments to this app (notifications 0001, payments 0004): a database
migrated before the move keeps its rows, their ids and the model's content type."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("payments", "0003_notification_outbox_pushed_at"), ("notifications", None)]


def _migrate(targets: list[tuple[str, str | None]]):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def test_rows_written_before_the_move_survive_it(user):
    content_type = ContentType.objects.get_for_model(Notification)
    old_apps = _migrate(BEFORE)
    try:
        applied = MigrationRecorder(connection).applied_migrations()
        assert ("notifications", "0001_initial") not in applied and ("payments", "0004_notification_moved_to_notifications") not in applied
        OldNotification = old_apps.get_model("payments", "Notification")
        old = OldNotification.objects.create(user_id=user.pk, event="payment_received", title="Money received",
                                             data={"amount": "12.50"}, pushed_at=None)
        OldNotification.objects.create(user_id=user.pk, event="notification", title="Read", data={})
        assert old_apps.get_model("contenttypes", "ContentType").objects.get(pk=content_type.pk).app_label == "payments"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        ContentType.objects.clear_cache()

    moved = Notification.objects.get(pk=old.pk)
    assert (moved.user_id, moved.event, moved.title, moved.data, moved.pushed_at) == (
        user.pk, "payment_received", "Money received", {"amount": "12.50"}, None)
    assert Notification.objects.filter(user=user).count() == 2
    assert ContentType.objects.get_for_model(Notification).pk == content_type.pk  # permissions follow the model
    assert not ContentType.objects.filter(app_label="payments", model="notification").exists()
    # The table keeps its name (no rename on a busy table; see notifications/migrations/0001_initial.py).
    assert Notification._meta.db_table == "payments_notification"
    assert "payments_notification" in connection.introspection.table_names()
