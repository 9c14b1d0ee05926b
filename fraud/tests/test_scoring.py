"""Real-time scoring: decisions from the model, reasons in words, one load per process, reload
on a version change, and FAIL CLOSED without a usable model."""

from __future__ import annotations

import logging
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from fraud import registry, scoring
from fraud.model_services import model_activate
from fraud.models import FraudModel
from fraud.registry import MODEL_FILE, active_models
from fraud.scoring import MODEL_UNAVAILABLE_REASON, model_health, transaction_score
from fraud.tests.conftest import TEST_VERSION, register_model
from fraud.tests.factories import make_user, primary_account
from ledger.risk import TransferContext


@pytest.fixture
def accounts(db):
    payer, payee = make_user("payer"), make_user("payee")
    return primary_account(payer), primary_account(payee)


def context(accounts, *, amount: str, available: str = "10000.00", payee_balance: str = "10000.00") -> TransferContext:
    payer, payee = accounts
    return TransferContext(
        payer_user_id=payer.owner_id, payee_user_id=payee.owner_id, payer_account_id=payer.pk,
        payee_account_id=payee.pk, amount=Decimal(amount), kind="transfer", channel="api",
        payer_balance=Decimal(available), payer_available=Decimal(available), payee_balance=Decimal(payee_balance),
        at=timezone.now(),
    )


def test_ordinary_payment_is_allowed_with_a_low_score(active_fraud_model, accounts):
    score = transaction_score(context=context(accounts, amount="250.00"))
    assert score.decision == "allow" and score.risk_level == "low"
    assert score.probability is not None and score.probability < 0.3
    assert score.model_version == TEST_VERSION and not score.degraded
    assert score.reasons == []  # nothing worth explaining


def test_draining_the_account_into_an_empty_payee_is_declined_with_reasons(active_fraud_model, accounts):
    score = transaction_score(context=context(accounts, amount="10000.00", payee_balance="0.00"))
    assert score.decision == "decline" and score.risk_level == "critical"
    assert score.probability >= 0.95
    assert "moves the entire balance" in score.reasons
    assert 1 <= len(score.reasons) <= 3 + 2  # model reasons (at most three) plus fired rules
    assert all(isinstance(r, str) and not any(ch.isdigit() for ch in r) for r in score.reasons[:3])


def test_thresholds_come_from_settings(active_fraud_model, accounts, settings):
    settings.FRAUD_BLOCK_THRESHOLD = 1.01  # never decline: the same transfer is held instead
    score = transaction_score(context=context(accounts, amount="10000.00", payee_balance="0.00"))
    assert score.decision == "hold" and score.risk_level == "high"
    settings.FRAUD_THRESHOLD = 1.01  # the model is no signal; the account's age still is
    assert transaction_score(context=context(accounts, amount="10000.00", payee_balance="0.00")).decision == "hold"
    settings.FRAUD_NEW_ACCOUNT_DAYS = 0
    assert transaction_score(context=context(accounts, amount="10000.00", payee_balance="0.00")).decision == "allow"


@pytest.mark.parametrize(("amount", "decision"), [("5000.00", "allow"), ("5000.01", "hold")])
def test_no_model_fails_closed_above_the_limit(db, accounts, amount, decision):
    score = transaction_score(context=context(accounts, amount=amount))
    assert score.decision == decision
    assert score.probability is None and score.model_version is None and score.degraded
    assert score.risk_level == "unknown"
    assert score.reasons == ([MODEL_UNAVAILABLE_REASON] if decision == "hold" else [])
    state, detail = model_health()
    assert state == "degraded" and "no active fraud model" in detail


def test_unreadable_model_fails_closed_and_is_not_reread_every_time(db, accounts, settings, tmp_path, monkeypatch):
    settings.FRAUD_MODEL_DIR = tmp_path
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / MODEL_FILE).write_bytes(b"not a model")
    (tmp_path / "broken" / "metadata.json").write_text('{"features": []}')
    register_model("broken")
    calls = []
    real = registry.model_files_load
    monkeypatch.setattr(registry, "model_files_load", lambda v: calls.append(v) or real(v))
    for _ in range(3):
        score = transaction_score(context=context(accounts, amount="9000.00"))
        assert score.decision == "hold" and score.degraded
    assert calls == ["broken"]  # retried only after RETRY_SECONDS
    state, detail = model_health()
    assert state == "degraded" and "cannot be loaded" in detail


def test_a_scoring_error_fails_closed_logs_without_features_and_degrades_health(
    active_fraud_model, accounts, monkeypatch, caplog
):
    def boom(model, x):
        raise RuntimeError("kaput")

    monkeypatch.setattr(scoring, "model_probability", boom)
    with caplog.at_level(logging.ERROR, logger="fraud.scoring"):
        held = transaction_score(context=context(accounts, amount="7777.77"))
        allowed = transaction_score(context=context(accounts, amount="77.77"))
    assert held.decision == "hold" and allowed.decision == "allow"
    assert "failing closed" in caplog.text and "RuntimeError" in caplog.text
    assert "7777" not in caplog.text and "kaput" not in caplog.text  # no values, no raw messages
    state, detail = model_health()
    assert state == "degraded" and "2 scoring failure" in detail


def test_a_non_finite_score_fails_closed(active_fraud_model, accounts, monkeypatch):
    monkeypatch.setattr(scoring, "model_probability", lambda model, x: float("nan"))
    assert transaction_score(context=context(accounts, amount="6000.00")).decision == "hold"


def test_health_ok_with_a_loaded_model(active_fraud_model):
    assert model_health() == ("ok", f"model {TEST_VERSION} loaded")


def test_model_loads_once_and_reloads_when_the_active_version_changes(
    active_fraud_model, accounts, monkeypatch, django_capture_on_commit_callbacks
):
    loads = []
    real = registry.model_files_load
    monkeypatch.setattr(registry, "model_files_load", lambda v: loads.append(v) or real(v))
    for _ in range(5):
        assert transaction_score(context=context(accounts, amount="100.00")).model_version == TEST_VERSION
    assert loads == [TEST_VERSION]
    register_model("test-model-2", active=False)
    with django_capture_on_commit_callbacks(execute=True):  # activation resets this process's cache
        assert model_activate(version="test-model-2").is_active
    assert transaction_score(context=context(accounts, amount="100.00")).model_version == "test-model-2"
    assert loads == [TEST_VERSION, "test-model-2"]
    assert active_models.loaded_version() == "test-model-2"


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_requests_load_the_model_once(model_dir_setting, monkeypatch):
    payer, payee = make_user("tpayer"), make_user("tpayee")
    accounts_pair = (primary_account(payer), primary_account(payee))
    register_model()
    loads = []
    real = registry.model_files_load
    monkeypatch.setattr(registry, "model_files_load", lambda v: loads.append(v) or real(v))
    results, errors = [], []
    start = threading.Barrier(8)

    def worker() -> None:
        try:
            start.wait()
            for _ in range(5):
                results.append(transaction_score(context=context(accounts_pair, amount="10000.00", payee_balance="0.00")))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert loads == [TEST_VERSION]
    assert len(results) == 40 and len({(r.decision, round(r.probability, 9)) for r in results}) == 1


def test_other_processes_see_a_new_version_within_the_recheck_interval(active_fraud_model, accounts, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(registry.time, "monotonic", lambda: clock[0])
    assert transaction_score(context=context(accounts, amount="100.00")).model_version == TEST_VERSION
    # another process activates test-model-2 (no on-commit reset here)
    FraudModel.objects.filter(pk=active_fraud_model.pk).update(is_active=False)
    register_model("test-model-2")
    clock[0] += registry.RECHECK_SECONDS / 2
    assert transaction_score(context=context(accounts, amount="100.00")).model_version == TEST_VERSION
    clock[0] += registry.RECHECK_SECONDS
    assert transaction_score(context=context(accounts, amount="100.00")).model_version == "test-model-2"


def test_scoring_costs_one_query_and_one_more_for_a_new_payee(
    active_fraud_model, accounts, django_assert_num_queries,
):
    transaction_score(context=context(accounts, amount="100.00"))  # version checked, model loaded
    with django_assert_num_queries(1):  # last payments, money in during the last hour, opening dates
        transaction_score(context=context(accounts, amount="100.00"))
    # From FRAUD_SIGNAL_MIN_AMOUNT up, a new payee's first-time payers of the last day.
    with django_assert_num_queries(2):
        transaction_score(context=context(accounts, amount="2500.00"))
