import pytest
from django.test import Client

from accounts.models import User
from payments.tests.factories import make_request

pytestmark = pytest.mark.django_db


def test_admin_lists_requests_read_only(alice, bob):
    request = make_request(bob, alice)
    staff = User.objects.create_superuser("operator", "op@example.in", "S3cure-pass-99")
    client = Client()
    client.force_login(staff)
    for url in ("/admin/payments/moneyrequest/", f"/admin/payments/moneyrequest/{request.pk}/change/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/payments/moneyrequest/add/").status_code == 403
