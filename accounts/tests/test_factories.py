"""The factories other apps build on: users must look like registered customers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.tests.factories import PASSWORD, UserFactory, make_user, register_user
from ledger.models import Account

pytestmark = pytest.mark.django_db


def primary(user):
    return Account.objects.get(owner=user, is_primary=True)


def test_make_user_is_a_funded_customer(settings):
    user = make_user("Alice", phone="+91 98765 43210")
    assert user.vpa == "alice@securebank"
    assert user.phone == "9876543210"
    assert user.check_password(PASSWORD)
    assert primary(user).balance == settings.OPENING_BALANCE


@pytest.mark.parametrize("balance", ["12345.67", "10000.00", "1.00", "0", Decimal("99.99")])
def test_make_user_starts_with_the_balance_asked_for(balance):
    assert primary(make_user(balance=balance)).balance == Decimal(str(balance))


def test_make_user_refuses_a_malformed_phone():
    with pytest.raises(ValueError):
        make_user(phone="12345")


def test_user_factory_create_and_build():
    user = UserFactory(balance="20000")
    assert user.pk and user.vpa == f"{user.username}@securebank"
    assert primary(user).balance == Decimal("20000.00")
    other = UserFactory()
    assert other.username != user.username
    built = UserFactory.build()
    assert built.pk is None


def test_register_user_goes_through_registration():
    user = register_user("carol", phone="9000000001")
    assert user.vpa == "carol@securebank" and primary(user).balance > 0


def test_fixtures(user, authed_client, user_factory):
    assert authed_client.user == user
    assert authed_client.get("/api/auth/profile").json()["username"] == user.username
    assert user_factory("zed").vpa == "zed@securebank"
