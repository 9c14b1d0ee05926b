"""check_ledger is exact: SQLite sums a decimal column as floating point, so a healthy ledger
with random paise amounts used to report violations."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from accounts.tests.factories import make_user
from ledger import services
from ledger.checks import ledger_check
from ledger.models import Account

pytestmark = pytest.mark.django_db


def test_two_thousand_random_paise_transfers_leave_a_clean_ledger(settings):
    settings.DAILY_TRANSFER_LIMIT = Decimal("100000000.00")
    rng = random.Random(13)
    users = [make_user(f"u{i}", balance="50000.00") for i in range(8)]
    accounts = [Account.objects.get(owner=u, is_primary=True) for u in users]
    for _ in range(2000):
        payer, payee = rng.sample(range(len(users)), 2)
        amount = Decimal(rng.randint(1, 99_999)).scaleb(-2)  # 0.01 .. 999.99
        services.transfer_create(payer=users[payer], payee_account=accounts[payee], amount=amount)
    report = ledger_check()
    assert report.violations == []
    assert report.total_balance == 0
    assert str(report.total_balance) == "0.00"
