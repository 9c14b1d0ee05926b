"""The customer's behaviour read from the ledger: each figure from real rows, only this payer's
and this payee's, declined attempts not counted; the PaySim mapping knows no history."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from fraud.behaviour import HISTORY_SIZE, behaviour_for_transfer, behaviour_from_paysim, customer_history
from fraud.features import BANK_TIME_ZONE
from fraud.tests.ledger_history import account, context_for, paid
from ledger.models import Transaction
from ledger.selectors import customer_decision_reads, customer_incoming_payments, customer_outgoing_payments

AT = datetime(2026, 6, 15, 14, 30, tzinfo=BANK_TIME_ZONE)
LONG_AGO = AT - timedelta(days=1000)


@pytest.fixture
def ledger(db):
    me = account("me", opened=AT - timedelta(days=200), balance="50000.00")
    shop = account("shop", opened=LONG_AGO)
    other = account("other", opened=LONG_AGO)
    for i in range(10):  # ten afternoon payments to the shop, 1,000..10,000
        paid(me, shop, Decimal(1000 * (i + 1)), AT - timedelta(days=i + 1))
    paid(other, shop, "99999.00", AT - timedelta(minutes=5))  # someone else's: must not count
    return me, shop, other


def test_history_figures(ledger):
    me, shop, _ = ledger
    b = behaviour_for_transfer(context_for(me, shop, "5500.00", AT))
    assert b.payee_payments == 10 and b.payee_established and not b.payee_is_new
    assert b.history_count == 10 and b.amount_percentile == pytest.approx(0.5)  # 5 of 10 smaller
    assert b.largest_recent == Decimal("10000.00") and b.typical_amount == Decimal("9000.00")
    assert b.account_age_days == pytest.approx(200.0)
    assert b.share_of_balance == pytest.approx(0.11)
    assert b.hour_count == 1 and b.hour_total == Decimal("5500.00")
    assert b.hour_habit_share == 1.0  # always paid at this time of day
    assert b.new_payees_day == 0


def test_new_payees_velocity_and_declined_attempts(ledger):
    me, shop, _ = ledger
    mules = [account(f"mule{i}", opened=AT - timedelta(days=1)) for i in range(3)]
    for i, mule in enumerate(mules[:2]):
        paid(me, mule, "9000.00", AT - timedelta(minutes=10 * (i + 1)))
    paid(me, shop, "40000.00", AT - timedelta(minutes=1), status=Transaction.Status.DECLINED)  # moved nothing
    b = behaviour_for_transfer(context_for(me, mules[2], "9000.00", AT))
    assert b.payee_is_new and b.new_payees_day == 3 and b.new_payees_day_total == Decimal("27000.00")
    assert b.hour_count == 3 and b.hour_total == Decimal("27000.00")
    assert b.payee_account_age_days == pytest.approx(1.0)


def test_pass_through_and_mule_fan_in(ledger):
    me, _, other = ledger
    mule = account("mule", opened=AT - timedelta(hours=5), balance="30000.00")
    paid(other, mule, "30000.00", AT - timedelta(minutes=20))
    cash = account("cash", opened=LONG_AGO)
    payers = [account(f"victim{i}", opened=LONG_AGO) for i in range(6)]
    for i, victim in enumerate(payers):
        paid(victim, cash, "2500.00", AT - timedelta(hours=i + 1))
    paid(payers[0], cash, "100.00", AT - timedelta(days=30))  # victim0 paid cash before: not new
    b = behaviour_for_transfer(context_for(mule, cash, "30000.00", AT))
    assert b.pass_through and b.account_age_days == pytest.approx(5 / 24)
    assert b.payee_new_payers_day == 5
    mine = behaviour_for_transfer(context_for(me, cash, "30000.00", AT))
    assert not mine.pass_through  # nothing came in: the customer's own money


def test_only_the_last_payments_are_read_and_the_payee_count_still_found(db):
    me = account("busy", opened=LONG_AGO, balance="90000.00")
    old_friend, shop = account("oldfriend", opened=LONG_AGO), account("busyshop", opened=LONG_AGO)
    for i in range(3):
        paid(me, old_friend, "700.00", AT - timedelta(days=300 + i))
    for i in range(HISTORY_SIZE + 5):
        paid(me, shop, "100.00", AT - timedelta(hours=i + 2))
    history = customer_history(context_for(me, old_friend, "700.00", AT))
    assert len(history.recent) == HISTORY_SIZE and not history.complete
    assert history.payee_payments == 3  # found beyond the window


def test_the_one_statement_reads_the_rows_the_ledger_querysets_define(ledger):
    me, shop, other = ledger
    paid(other, me, "1234.56", AT - timedelta(minutes=30))
    paid(other, me, "99.00", AT - timedelta(hours=2))  # too early for the last hour
    paid(me, shop, "10.00", AT - timedelta(minutes=3), status=Transaction.Status.DECLINED)
    paid(me, shop, "20.00", AT - timedelta(minutes=2), status=Transaction.Status.HELD)
    reads = customer_decision_reads(account_id=me.pk, payee_account_id=shop.pk, limit=5,
                                    incoming_since=AT - timedelta(hours=1))
    expected = customer_outgoing_payments(account_id=me.pk).values_list("amount", "payee_account_id", "created_at")[:5]
    assert reads.recent_outgoing == [tuple(row) for row in expected]
    incoming = customer_incoming_payments(account_id=me.pk).filter(created_at__gte=AT - timedelta(hours=1))
    assert reads.incoming_total == Decimal("1234.56")
    shop_reads = customer_decision_reads(account_id=shop.pk, payee_account_id=me.pk, limit=5,
                                         incoming_since=AT - timedelta(hours=1))
    shop_in = customer_incoming_payments(account_id=shop.pk).filter(created_at__gte=AT - timedelta(hours=1))
    assert shop_reads.incoming_total == sum(shop_in.values_list("amount", flat=True))  # held, declined: not in
    paid(other, me, "0.44", AT - timedelta(minutes=20))
    reads_again = customer_decision_reads(account_id=me.pk, payee_account_id=shop.pk, limit=5,
                                          incoming_since=AT - timedelta(hours=1))
    assert reads_again.incoming_total == sum(incoming.values_list("amount", flat=True)) == Decimal("1235.00")
    assert reads.opened_at == {me.pk: AT - timedelta(days=200), shop.pk: LONG_AGO}


def test_paysim_rows_have_no_history_and_every_payee_is_new():
    df = pd.DataFrame({"step": [3, 4], "type": ["TRANSFER", "CASH_OUT"], "amount": [5000.0, 100.0],
                       "oldbalanceOrg": [5000.0, 0.0]})
    rows = list(behaviour_from_paysim(df))
    assert [b.payee_is_new for b in rows] == [True, True]
    assert rows[0].share_of_balance == 1.0 and rows[1].share_of_balance is None
    assert all(b.history_count == 0 and b.account_age_days is None and not b.pass_through for b in rows)
