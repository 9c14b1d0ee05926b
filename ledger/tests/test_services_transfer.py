from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction as db_transaction

from accounts.tests.factories import make_user
from ledger import services
from ledger.checks import ledger_check
from ledger.exceptions import AccountFrozen, InsufficientFunds, LimitExceeded, SelfTransfer, TransactionStateConflict
from ledger.models import Account, Entry, Transaction
from ledger.signals import transaction_committed

pytestmark = pytest.mark.django_db
D = Decimal


def account(user) -> Account:
    return Account.objects.get(owner=user, is_primary=True)


def test_registration_opens_funded_primary_account():
    alice = make_user("alice")
    acc = account(alice)
    assert acc.balance == D("10000.00") and acc.held == 0 and acc.currency == "INR"
    deposit = Transaction.objects.get(payee_account=acc)
    assert deposit.kind == Transaction.Kind.DEPOSIT and deposit.status == Transaction.Status.COMPLETED
    assert sorted(e.amount for e in deposit.entries.all()) == [D("-10000.00"), D("10000.00")]
    assert ledger_check().ok


def test_opening_balance_zero_creates_no_deposit(settings):
    settings.OPENING_BALANCE = D("0")
    bob = make_user("bob")
    assert account(bob).balance == 0
    assert not Transaction.objects.filter(payee_account=account(bob)).exists()


def test_transfer_moves_money_with_two_entries_summing_to_zero():
    alice, bob = make_user("alice"), make_user("bob")
    outcome = services.transfer_create(payer=alice, payee_account=account(bob), amount=D("2500.50"), description="rent")
    txn = outcome.transaction
    assert txn.status == Transaction.Status.COMPLETED and txn.completed_at is not None
    assert len(txn.reference) == 12 and txn.reference.isdigit()
    assert account(alice).balance == D("7499.50") and account(bob).balance == D("12500.50")
    entries = {e.account_id: e for e in Entry.objects.filter(transaction=txn)}
    assert entries[account(alice).pk].amount == D("-2500.50")
    assert entries[account(alice).pk].balance_after == D("7499.50")
    assert entries[account(bob).pk].balance_after == D("12500.50")
    assert sum(e.amount for e in entries.values()) == 0
    assert txn.fraud_decision == "allow" and txn.fraud_model_version == "test-1"
    assert ledger_check().ok


def test_scorer_sees_balances_read_under_lock(scripted_risk):
    alice, bob = make_user("alice"), make_user("bob", balance="12000")
    services.transfer_create(payer=alice, payee_account=account(bob), amount=D("100"))
    ctx = scripted_risk.seen[-1]
    assert (ctx.payer_balance, ctx.payee_balance, ctx.amount) == (D("10000.00"), D("12000.00"), D("100"))
    assert ctx.payer_user_id == alice.pk and ctx.payee_user_id == bob.pk


def test_self_transfer_refused():
    alice = make_user("alice")
    with pytest.raises(SelfTransfer):
        services.transfer_create(payer=alice, payee_account=account(alice), amount=D("1"))


def test_insufficient_funds_moves_nothing():
    alice, bob = make_user("alice"), make_user("bob")
    with pytest.raises(InsufficientFunds):
        services.transfer_create(payer=alice, payee_account=account(bob), amount=D("10000.01"))
    assert account(alice).balance == D("10000.00") and account(bob).balance == D("10000.00")
    assert Transaction.objects.filter(kind=Transaction.Kind.TRANSFER).count() == 0


def test_exact_balance_can_be_spent_to_zero():
    alice, bob = make_user("alice"), make_user("bob")
    services.transfer_create(payer=alice, payee_account=account(bob), amount=D("10000.00"))
    assert account(alice).balance == 0


@pytest.mark.parametrize("who", ["payer", "payee"])
def test_frozen_accounts_refused(who):
    alice, bob = make_user("alice"), make_user("bob")
    frozen = account(alice if who == "payer" else bob)
    staff = make_user("ops", is_staff=True)
    services.account_status_set(account=frozen, status=Account.Status.FROZEN, actor=staff)
    with pytest.raises(AccountFrozen):
        services.transfer_create(payer=alice, payee_account=account(bob), amount=D("1"))


def test_freeze_writes_audit_row():
    from securebank.models import AuditEvent

    alice, staff = make_user("alice"), make_user("ops", is_staff=True)
    services.account_status_set(account=account(alice), status=Account.Status.FROZEN, actor=staff, note="kyc")
    event = AuditEvent.objects.get(action="account.freeze")
    assert event.actor == staff and event.before == {"status": "active"} and event.after == {"status": "frozen"}


def test_daily_limit_counts_completed_and_held(settings, scripted_risk):
    settings.DAILY_TRANSFER_LIMIT = D("1000.00")
    alice, bob = make_user("alice"), make_user("bob")
    services.transfer_create(payer=alice, payee_account=account(bob), amount=D("600"))
    scripted_risk.decision = "hold"
    services.transfer_create(payer=alice, payee_account=account(bob), amount=D("300"))
    scripted_risk.decision = "allow"
    with pytest.raises(LimitExceeded) as exc:
        services.transfer_create(payer=alice, payee_account=account(bob), amount=D("100.01"))
    assert exc.value.extra["remaining"] == "100.00"
    services.transfer_create(payer=alice, payee_account=account(bob), amount=D("100.00"))


def test_daily_limit_ignores_incoming_and_deposits(settings):
    settings.DAILY_TRANSFER_LIMIT = D("500.00")
    alice, bob = make_user("alice"), make_user("bob")  # each got an opening deposit today
    services.deposit_create(account=account(alice), amount=D("700.00"))
    services.transfer_create(payer=bob, payee_account=account(alice), amount=D("500"))
    txn = services.transfer_create(payer=alice, payee_account=account(bob), amount=D("500")).transaction
    assert txn.status == Transaction.Status.COMPLETED  # the whole limit is still hers
    with pytest.raises(LimitExceeded) as exc:  # ... and now it is used up: the limit is in force
        services.transfer_create(payer=alice, payee_account=account(bob), amount=D("0.01"))
    assert exc.value.extra["remaining"] == "0.00"


def test_daily_outgoing_total_is_exact_and_counts_only_todays_outgoing_transfers(scripted_risk):
    from datetime import timedelta

    from django.utils import timezone

    from ledger.selectors import daily_outgoing_total

    alice, bob = make_user("alice"), make_user("bob")
    since = timezone.now() - timedelta(minutes=1)
    payer = account(alice).pk
    services.deposit_create(account=account(alice), amount=D("100000.00"))
    assert daily_outgoing_total(account_id=payer, since=since) == D("0.00")  # deposits are not outgoing
    for amount in ("0.10", "0.20", "99999.99"):  # floats would make 100000.29000000001
        services.transfer_create(payer=alice, payee_account=account(bob), amount=D(amount))
    scripted_risk.decision = "decline"
    services.transfer_create(payer=alice, payee_account=account(bob), amount=D("1.00"))  # declined: not counted
    scripted_risk.decision = "allow"
    services.transfer_create(payer=bob, payee_account=account(alice), amount=D("7.00"))  # incoming: not counted
    total = daily_outgoing_total(account_id=payer, since=since)
    assert total == D("100000.29") and str(total) == "100000.29"
    Transaction.objects.filter(payer_account_id=payer).update(created_at=since - timedelta(seconds=1))
    assert daily_outgoing_total(account_id=payer, since=since) == D("0.00")


def test_hold_reserves_funds_without_crediting_payee(scripted_risk):
    scripted_risk.decision = "hold"
    alice, bob = make_user("alice"), make_user("bob")
    txn = services.transfer_create(payer=alice, payee_account=account(bob), amount=D("4000")).transaction
    assert txn.status == Transaction.Status.HELD and txn.hold_expires_at is not None
    a = account(alice)
    assert (a.balance, a.held, a.available) == (D("10000.00"), D("4000.00"), D("6000.00"))
    assert account(bob).balance == D("10000.00")
    assert not txn.entries.exists()
    assert scripted_risk.recorded[-1][0].pk == txn.pk
    # Held funds are not available for another transfer.
    scripted_risk.decision = "allow"
    with pytest.raises(InsufficientFunds):
        services.transfer_create(payer=alice, payee_account=account(bob), amount=D("6000.01"))
    assert ledger_check().ok


def test_hold_complete_moves_reserved_funds(scripted_risk):
    scripted_risk.decision = "hold"
    alice, bob = make_user("alice"), make_user("bob")
    txn = services.transfer_create(payer=alice, payee_account=account(bob), amount=D("4000")).transaction
    services.hold_complete(transaction_id=txn.pk)
    txn.refresh_from_db()
    assert txn.status == Transaction.Status.COMPLETED and txn.entries.count() == 2
    a = account(alice)
    assert (a.balance, a.held) == (D("6000.00"), D("0.00"))
    assert account(bob).balance == D("14000.00")
    with pytest.raises(TransactionStateConflict):
        services.hold_complete(transaction_id=txn.pk)
    assert ledger_check().ok


def test_hold_release_returns_funds(scripted_risk):
    scripted_risk.decision = "hold"
    alice, bob = make_user("alice"), make_user("bob")
    txn = services.transfer_create(payer=alice, payee_account=account(bob), amount=D("4000")).transaction
    services.hold_release(transaction_id=txn.pk, reason="rejected")
    txn.refresh_from_db()
    assert txn.status == Transaction.Status.DECLINED and txn.status_reason == "rejected"
    a = account(alice)
    assert (a.balance, a.held) == (D("10000.00"), D("0.00"))
    with pytest.raises(TransactionStateConflict):
        services.hold_release(transaction_id=txn.pk)
    assert ledger_check().ok


def test_decline_is_recorded_and_moves_nothing(scripted_risk):
    scripted_risk.decision = "decline"
    alice, bob = make_user("alice"), make_user("bob")
    txn = services.transfer_create(payer=alice, payee_account=account(bob), amount=D("4000")).transaction
    assert Transaction.objects.get(pk=txn.pk).status == Transaction.Status.DECLINED
    assert account(alice).balance == D("10000.00") and account(alice).held == 0
    assert account(bob).balance == D("10000.00")
    assert ledger_check().ok


def test_reversal_moves_money_back_and_marks_original():
    alice, bob, staff = make_user("alice"), make_user("bob"), make_user("ops", is_staff=True)
    original = services.transfer_create(payer=alice, payee_account=account(bob), amount=D("700")).transaction
    reversal = services.transfer_reverse(transaction_id=original.pk, actor=staff, reason="duplicate")
    original.refresh_from_db()
    assert original.status == Transaction.Status.REVERSED and reversal.reversal_of_id == original.pk
    assert account(alice).balance == D("10000.00") and account(bob).balance == D("10000.00")
    with pytest.raises(TransactionStateConflict):
        services.transfer_reverse(transaction_id=original.pk, actor=staff, reason="again")
    assert ledger_check().ok


def test_signal_fires_only_after_commit(django_capture_on_commit_callbacks):
    alice, bob = make_user("alice"), make_user("bob")
    received = []

    def listener(sender, transaction, event, balances, **kwargs):
        received.append((transaction.pk, event, balances))

    transaction_committed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            txn = services.transfer_create(payer=alice, payee_account=account(bob), amount=D("10")).transaction
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
        assert received == [(txn.pk, "completed", {account(alice).pk: (D("10000.00"), D("9990.00")),
                                                    account(bob).pk: (D("10000.00"), D("10010.00"))})]
    finally:
        transaction_committed.disconnect(listener)


def test_rolled_back_transfer_sends_nothing_and_keeps_balances(django_capture_on_commit_callbacks):
    alice, bob = make_user("alice"), make_user("bob")
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError):
            with db_transaction.atomic():
                services.transfer_create(payer=alice, payee_account=account(bob), amount=D("10"))
                raise RuntimeError("boom")
    assert callbacks == []
    assert account(alice).balance == D("10000.00")
    assert not Transaction.objects.filter(kind=Transaction.Kind.TRANSFER).exists()


def test_a_reference_clash_draws_again_without_leaving_the_transaction(monkeypatch):
    alice, bob = make_user("alice"), make_user("bob")
    taken = Transaction.objects.get(payee_account=account(bob)).reference  # bob's opening deposit
    draws = iter([taken, taken, "424242424242"])
    monkeypatch.setattr(services.posting, "new_reference", lambda: next(draws))
    with db_transaction.atomic():  # a clash must not poison the caller's transaction
        outcome = services.transfer_create(payer=alice, payee_account=account(bob), amount=D("1.00"))
        assert Transaction.objects.filter(reference=taken).count() == 1
    assert outcome.transaction.reference == "424242424242"
    assert Transaction.objects.get(reference="424242424242").amount == D("1.00")
    assert ledger_check().ok


def test_an_account_number_clash_draws_again(monkeypatch):
    alice = make_user("alice")
    draws = iter([account(alice).number, "55555555555555"])
    monkeypatch.setattr(services.accounts, "new_account_number", lambda: next(draws))
    bob = make_user("bob")
    assert account(bob).number == "55555555555555" and account(alice).number != account(bob).number


@pytest.mark.django_db(transaction=True)
def test_a_failure_after_the_posting_wrote_dooms_the_callers_transaction(monkeypatch, scripted_risk):
    """No savepoint inside a caller's transaction: a caller that swallows the error still cannot
    commit half a posting."""
    alice, bob = make_user("alice"), make_user("bob")

    def fail(self, *, transaction, verdict):
        raise RuntimeError("alert store down")

    monkeypatch.setattr(scripted_risk, "record", fail)
    count = Transaction.objects.count()
    with db_transaction.atomic():
        try:
            services.transfer_create(payer=alice, payee_account=account(bob), amount=D("9.00"))
        except RuntimeError:
            pass  # swallowed: the block still rolls back
    assert Transaction.objects.count() == count
    assert account(alice).balance == account(bob).balance == D("10000.00")
    assert ledger_check().ok
