import pytest
from django.test import Client

from accounts.models import User
from notifications.services import notification_send

pytestmark = pytest.mark.django_db


def test_admin_lists_notifications_read_only(alice):
    note = notification_send(user_id=alice.pk, event="notification", data={"kind": "test"}, title="Hello")
    staff = User.objects.create_superuser("operator", "op@example.in", "S3cure-pass-99")
    client = Client()
    client.force_login(staff)
    for url in ("/admin/notifications/notification/", f"/admin/notifications/notification/{note.pk}/change/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/notifications/notification/add/").status_code == 403
    assert client.get("/admin/payments/notification/").status_code == 404  # moved, not served twice
