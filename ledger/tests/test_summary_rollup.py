"""The spending summary read through the daily / monthly rollup (ledger.rollup) equals the raw
computation over every transaction, through random histories: payments around the +05:30
midnight, holds completed or released after their day was rolled up, reversals of past days,
transfers between one customer's own two accounts, and summaries read in between (each read
fills the buckets its window needs)."""

from __future__ import annotations

import io
import random
import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from accounts.tests.factories import make_user
from ledger import rollup, services
from ledger.models import Account, SummaryRollup, SummaryRollupLine, Transaction
from ledger.summary import summary_window, transaction_summary
from securebank.errors import DomainError

pytestmark = pytest.mark.django_db
IST = ZoneInfo("Asia/Kolkata")
PERIODS = ("week", "month", "year")


def primary(user) -> Account:
    return Account.objects.get(owner=user, is_primary=True)


def at(moment: datetime):
    """The ledger clock (and Django's) reads `moment`."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def assert_rollup_equals_raw(user, now: datetime) -> None:
    with at(now):
        for period in PERIODS:
            raw = transaction_summary(user=user, period=period, now=now, rollup=False)
            assert transaction_summary(user=user, period=period, now=now) == raw, (period, now)
            if connection.vendor == "postgresql":
                assert transaction_summary(user=user, period=period, now=now, portable=True) == raw, (period, now)


def random_moments(rng: random.Random, start: datetime, days: int, count: int) -> list[datetime]:
    """Sorted moments; half within 20 minutes of a local midnight (18:30 UTC)."""
    moments = []
    for _ in range(count):
        day = start + timedelta(days=rng.randrange(days))
        if rng.random() < 0.5:
            midnight = datetime.combine(day.astimezone(IST).date(), datetime.min.time(), tzinfo=IST)
            moments.append(midnight + timedelta(seconds=rng.uniform(-1200, 1200)))
        else:
            moments.append(day + timedelta(seconds=rng.uniform(0, 86400)))
    return sorted(moments)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_rollup_summary_equals_the_raw_one_over_random_histories(seed, scripted_risk):
    rng = random.Random(seed)
    real_now = timezone.now()
    origin = real_now - timedelta(days=100)
    with at(origin - timedelta(days=400)):
        people = [make_user(name, balance="1000000.00") for name in ("alice", "bob", "carol", "dave")]
        staff = make_user("ops")
    alice = people[0]
    savings = Account.objects.create(owner=alice, number="59990000000001", is_primary=False)
    payees = [primary(p) for p in people] + [savings]
    completed: list[Transaction] = []
    held: list[Transaction] = []
    reads = 0
    for moment in random_moments(rng, origin, 100, 160):
        with at(moment):
            action = rng.random()
            try:
                if action < 0.6 or not (held or completed):
                    payer = rng.choice(people)
                    payee = rng.choice([a for a in payees if a.owner_id != payer.pk or not a.is_primary])
                    scripted_risk.decision = rng.choice(["allow"] * 6 + ["hold"] * 3 + ["decline"])
                    txn = services.transfer_create(payer=payer, payee_account=payee, amount=Decimal(rng.randrange(1, 500000)) / 100,
                                                   kind=rng.choice(["transfer", "payment", "qr_payment"])).transaction
                    (held if txn.status == Transaction.Status.HELD else completed if txn.status == Transaction.Status.COMPLETED else []).append(txn)
                elif action < 0.75 and held:
                    txn = held.pop(rng.randrange(len(held)))
                    if rng.random() < 0.7:
                        completed.append(services.hold_complete(transaction_id=txn.pk))
                    else:
                        services.hold_release(transaction_id=txn.pk)
                elif action < 0.85 and completed:
                    original = completed.pop(rng.randrange(len(completed)))
                    services.transfer_reverse(transaction_id=original.pk, actor=staff, reason="test")
                else:
                    reads += 1
                    assert_rollup_equals_raw(rng.choice(people[:2]), moment)
            except DomainError:
                pass
    assert reads and SummaryRollup.objects.exists()
    assert Transaction.objects.filter(status=Transaction.Status.REVERSED).exists()
    assert Transaction.objects.filter(kind=Transaction.Kind.REVERSAL).exists()
    for person in people:
        assert_rollup_equals_raw(person, real_now)
    assert_rollup_equals_raw(alice, real_now + timedelta(days=40))  # the history's days all closed


def test_a_hold_completed_after_its_day_was_rolled_up_counts_under_its_day(scripted_risk):
    alice, bob = make_user("alice", balance="1000.00"), make_user("bob")
    monday = datetime(2026, 11, 30, 23, 50, tzinfo=IST)
    with at(monday):
        scripted_risk.decision = "hold"
        held = services.transfer_create(payer=alice, payee_account=primary(bob), amount=Decimal("40.00")).transaction
    later = monday + timedelta(days=1, hours=1)
    with at(later):
        assert transaction_summary(user=alice, period="week", now=later).total.money_out == 0  # fills Monday's bucket
        assert SummaryRollup.objects.filter(account=primary(alice), start=monday.date()).exists()
        services.hold_complete(transaction_id=held.pk)
        assert not SummaryRollup.objects.filter(account=primary(alice), start=monday.date()).exists()
        summary = transaction_summary(user=alice, period="week", now=later)
    assert summary.total.money_out == Decimal("40.00") and summary.daily[monday.date()].count_out == 1
    assert summary == transaction_summary(user=alice, period="week", now=later, rollup=False)


def test_a_day_is_rolled_up_only_after_the_margin():
    now = datetime(2026, 12, 4, 0, 10, tzinfo=IST)  # 10 minutes after midnight: 3 December is still live
    start, _, since = summary_window(period="week", now=now)
    plan = rollup.plan_window(start=start, since=since, now=now)
    assert plan.last.isoformat() == "2026-12-02" and plan.live_since == datetime(2026, 12, 3, tzinfo=IST)
    later = now + rollup.CLOSE_MARGIN
    assert rollup.plan_window(start=start, since=since, now=later).last.isoformat() == "2026-12-03"


def test_a_year_reads_whole_months_from_month_buckets():
    now = datetime(2026, 12, 4, 12, 0, tzinfo=IST)
    start, _, since = summary_window(period="year", now=now)
    plan = rollup.plan_window(start=start, since=since, now=now)
    assert (plan.first.isoformat(), plan.last.isoformat()) == ("2025-12-05", "2026-12-03")
    assert [m.isoformat() for m in plan.months] == [f"2026-{m:02d}-01" for m in range(1, 12)]
    # Counterparties of the days outside those months: 5-31 December 2025 and 1-3 December 2026.
    assert len(plan.party_days) == 27 + 3 and plan.party_days[26].isoformat() == "2025-12-31"


def test_an_ordinary_transfer_does_not_touch_the_rollup(django_assert_num_queries):
    alice, bob = make_user("alice", balance="100.00"), make_user("bob")
    txn = services.transfer_create(payer=alice, payee_account=primary(bob), amount=Decimal("1.00")).transaction
    with django_assert_num_queries(0):
        rollup.rollup_forget_changed(Transaction, transaction=txn, event="completed")


@pytest.mark.postgres
def test_the_sql_and_portable_fills_write_the_same_lines(scripted_risk):
    alice, bob, carol = (make_user(n, balance="100000.00") for n in ("alice", "bob", "carol"))
    rng = random.Random(7)
    for moment in random_moments(rng, timezone.now() - timedelta(days=70), 70, 60):
        with at(moment):
            payer, payee = rng.sample([alice, bob, carol], 2)
            services.transfer_create(payer=payer, payee_account=primary(payee), amount=Decimal(rng.randrange(1, 9999)) / 100)
    now = timezone.now()
    start, _, since = summary_window(period="year", now=now)
    plan = rollup.plan_window(start=start, since=since, now=now)
    ids = [primary(alice).pk]
    fields = ("account_id", "span", "start", "outgoing", "kind", "counterparty_id", "transactions", "amount")
    assert rollup.rollup_fill(account_ids=ids, plan=plan) == 364 + len(plan.party_days) + len(plan.months)
    by_sql = set(SummaryRollupLine.objects.values_list(*fields))
    SummaryRollup.objects.all().delete()
    SummaryRollupLine.objects.all().delete()
    rollup.rollup_fill(account_ids=ids, plan=plan, portable=True)
    assert set(SummaryRollupLine.objects.values_list(*fields)) == by_sql
    assert {line[1] for line in by_sql} == {"day", "day_party", "month_party"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_reads_fill_each_bucket_once(scripted_risk):
    alice, bob = make_user("alice", balance="100000.00"), make_user("bob", balance="100000.00")
    rng = random.Random(11)
    for moment in random_moments(rng, timezone.now() - timedelta(days=60), 60, 40):
        with at(moment):
            payer, payee = rng.sample([alice, bob], 2)
            services.transfer_create(payer=payer, payee_account=primary(payee), amount=Decimal(rng.randrange(1, 9999)) / 100)
    raw = transaction_summary(user=alice, period="year", rollup=False)
    barrier, results, errors = threading.Barrier(2), [], []

    def read() -> None:
        try:
            barrier.wait()
            results.append(transaction_summary(user=alice, period="year"))
        except Exception as exc:  # noqa: BLE001 -- reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == [raw, raw]
    now = timezone.now()
    start, _, since = summary_window(period="year", now=now)
    plan = rollup.plan_window(start=start, since=since, now=now)
    buckets = SummaryRollup.objects.filter(account=primary(alice))
    assert buckets.count() == buckets.values("span", "start").distinct().count() == 364 + len(plan.party_days) + len(plan.months)
    lines = SummaryRollupLine.objects.filter(account=primary(alice))
    assert lines.count() == lines.values("span", "start", "outgoing", "kind", "counterparty").distinct().count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_fill_waits_for_a_hold_completing_in_its_day(scripted_risk):
    """A read that fills the day while hold_complete's transaction is open waits for its commit
    (the per-account advisory lock), so the bucket counts the completed hold."""
    alice, bob = make_user("alice", balance="1000.00"), make_user("bob")
    past = timezone.now() - timedelta(days=3)
    with at(past):
        scripted_risk.decision = "hold"
        held = services.transfer_create(payer=alice, payee_account=primary(bob), amount=Decimal("40.00")).transaction
    locked, errors, results = threading.Event(), [], []

    def complete() -> None:
        try:
            with transaction.atomic():
                services.hold_complete(transaction_id=held.pk)  # forgets the day: takes the lock
                locked.set()
                time.sleep(0.5)  # the reader starts its fill meanwhile
        except Exception as exc:  # noqa: BLE001 -- reported by the assertion below
            errors.append(exc)
        finally:
            locked.set()
            connection.close()

    def read() -> None:
        try:
            locked.wait()
            results.append(transaction_summary(user=alice, period="week"))
        except Exception as exc:  # noqa: BLE001 -- reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=complete), threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results[0].total.money_out == Decimal("40.00")
    assert transaction_summary(user=alice, period="week") == transaction_summary(user=alice, period="week", rollup=False)



def test_prefill_leaves_the_readers_nothing_to_fill(scripted_risk):
    """After the worker's batch, the active customers' week, month and year reads fill no bucket
    (and still equal the raw computation); a customer idle for longer is left to `--all`."""
    now = timezone.now()
    with at(now - timedelta(days=41)):
        alice, bob, carol = (make_user(n, balance="100000.00") for n in ("alice", "bob", "carol"))
    rng = random.Random(11)
    for moment in random_moments(rng, now - timedelta(days=40), 39, 30):
        with at(moment):
            services.transfer_create(payer=alice, payee_account=primary(bob), amount=Decimal(rng.randrange(1, 9999)) / 100)
    with at(now - timedelta(hours=1)):
        services.transfer_create(payer=bob, payee_account=primary(alice), amount=Decimal("5.00"))
    with at(now - timedelta(days=10)):
        services.transfer_create(payer=carol, payee_account=primary(bob), amount=Decimal("1.00"))

    out = io.StringIO()
    with at(now):
        call_command("fill_summary_rollup", stdout=out)
    assert "bucket(s) of 2 account(s)" in out.getvalue()  # alice and bob: active in the last two days
    assert not SummaryRollup.objects.filter(account=primary(carol)).exists()

    filled: list[int] = []
    real_fill = rollup.rollup_fill

    def counting_fill(**kwargs):
        filled.append(real_fill(**kwargs))
        return filled[-1]

    with mock.patch.object(rollup, "rollup_fill", side_effect=counting_fill):
        assert_rollup_equals_raw(alice, now)
        assert_rollup_equals_raw(bob, now)
        assert filled == []  # every read found its buckets filled
        assert_rollup_equals_raw(carol, now)  # not prefilled: her first read fills
        assert sum(filled) > 0

    SummaryRollup.objects.filter(account=primary(carol)).delete()
    with at(now):
        call_command("fill_summary_rollup", "--all", stdout=out)
    assert SummaryRollup.objects.filter(account=primary(carol)).exists()


def test_the_worker_prunes_buckets_no_window_can_read(scripted_risk):
    """Buckets older than a year and a month go; the ones a year's summary reads stay, and the
    summary still equals the raw computation."""
    now = timezone.now()
    with at(now - timedelta(days=500)):
        alice, bob = make_user("alice", balance="100000.00"), make_user("bob")
    for age in (480, 420, 300, 40, 3):
        with at(now - timedelta(days=age)):
            services.transfer_create(payer=alice, payee_account=primary(bob), amount=Decimal("7.00"))
    with at(now - timedelta(days=400)):  # a year's read back then filled buckets now out of reach
        transaction_summary(user=alice, period="year")
    assert_rollup_equals_raw(alice, now)  # and today's reads fill the buckets in reach
    old = now.astimezone(IST).date() - timedelta(days=365 + 31)
    assert SummaryRollupLine.objects.filter(start__lt=old).exists()
    kept = SummaryRollupLine.objects.filter(start__gte=old).count()

    out = io.StringIO()
    with at(now):
        call_command("fill_summary_rollup", stdout=out)
    assert "pruned" in out.getvalue()
    assert not SummaryRollupLine.objects.filter(start__lt=old).exists()
    assert not SummaryRollup.objects.filter(start__lt=old).exists()
    assert SummaryRollupLine.objects.filter(start__gte=old).count() == kept > 0
    assert_rollup_equals_raw(alice, now)
