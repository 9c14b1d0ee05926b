"""GET /api/notifications and POST /api/notifications/read."""

from __future__ import annotations

import pytest

from notifications.models import Notification
from notifications.services import notification_send

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scripted_risk")]  # risk outcomes chosen here


def seed(user, n: int) -> list[Notification]:
    return [notification_send(user_id=user.pk, event="notification", data={"kind": "test", "i": i},
                              title=f"t{i}", message=f"m{i}") for i in range(n)]


def test_newest_first_with_unread_count_and_cursor_pages(alice, bob, auth_client):
    rows = seed(alice, 25)
    seed(bob, 3)
    client = auth_client(alice)
    page = client.get("/api/notifications").json()
    assert page["unread"] == 25 and len(page["results"]) == 20 and page["previous"] is None
    assert [r["id"] for r in page["results"]] == [r.pk for r in reversed(rows)][:20]
    first = page["results"][0]
    assert set(first) == {"id", "event", "title", "message", "data", "read", "read_at", "created_at"}
    assert first["read"] is False and first["data"]["i"] == 24 and first["data"]["title"] == "t24"
    rest = client.get(page["next"]).json()
    assert [r["id"] for r in rest["results"]] == [r.pk for r in reversed(rows)][20:]
    assert rest["next"] is None
    assert len(client.get("/api/notifications", {"limit": 5}).json()["results"]) == 5


def test_mark_some_then_all_read(alice, bob, auth_client):
    rows = seed(alice, 4)
    theirs = seed(bob, 1)[0]
    client = auth_client(alice)
    res = client.post("/api/notifications/read", {"ids": [rows[0].pk, rows[1].pk, theirs.pk]}, format="json")
    assert res.status_code == 200 and res.json() == {"marked": 2, "unread": 2}
    assert Notification.objects.get(pk=theirs.pk).read_at is None  # not Alice's: ignored
    unread = client.get("/api/notifications", {"unread": "true"}).json()
    assert {r["id"] for r in unread["results"]} == {rows[2].pk, rows[3].pk} and unread["unread"] == 2
    again = client.post("/api/notifications/read", {"ids": [rows[0].pk]}, format="json")
    assert again.json() == {"marked": 0, "unread": 2}
    assert client.post("/api/notifications/read", {"all": True}, format="json").json() == {"marked": 2, "unread": 0}
    assert Notification.objects.filter(user=bob, read_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    "body", [{}, {"ids": []}, {"all": False}, {"ids": [1], "all": True}, {"ids": "1"}, {"ids": [0]}, {"everything": True}]
)
def test_mark_read_needs_ids_or_all(alice, auth_client, body):
    res = auth_client(alice).post("/api/notifications/read", body, format="json")
    assert res.status_code == 400 and res.json()["error"]["code"] == "validation_error"


def test_notifications_need_authentication(api_client):
    assert api_client.get("/api/notifications").status_code == 401
    assert api_client.post("/api/notifications/read", {"all": True}, format="json").status_code == 401


def test_events_of_a_payment_are_listed(alice, bob, auth_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        auth_client(alice).post("/api/payments/send", {"payee": "bob", "amount": "12.00"}, format="json")
    body = auth_client(bob).get("/api/notifications").json()
    assert body["unread"] == 1
    assert body["results"][0]["event"] == "payment_received" and body["results"][0]["data"]["amount"] == "12.00"


@pytest.mark.parametrize("bad_id", [2**63, 2**64 + 1, 10**30])
def test_mark_read_refuses_ids_beyond_a_database_id(alice, auth_client, bad_id):
    """An id no bigint column can hold is bad input (400), not an OverflowError in the query (500)."""
    seed(alice, 1)
    res = auth_client(alice).post("/api/notifications/read", {"ids": [bad_id]}, format="json")
    assert res.status_code == 400, res.content
    error = res.json()["error"]
    assert error["code"] == "validation_error" and "ids" in error["fields"]
    assert Notification.objects.filter(user=alice, read_at__isnull=True).count() == 1


def test_mark_read_accepts_the_largest_database_id(alice, auth_client):
    res = auth_client(alice).post("/api/notifications/read", {"ids": [2**63 - 1]}, format="json")
    assert res.status_code == 200 and res.json() == {"marked": 0, "unread": 0}
