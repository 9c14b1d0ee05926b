"""The decision policy on its own: declines only on agreeing strong signals, one strong signal
holds, velocity by size and baseline, reasons in two registers, thresholds from settings."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from fraud.behaviour import Behaviour
from fraud.policy import decide, policy_settings

D = Decimal


def behaviour(**changes) -> Behaviour:
    """An ordinary customer of a year paying a payee paid five times before, 2,500 of 20,000."""
    base = Behaviour(
        amount=D("2500.00"), available=D("20000.00"), account_age_days=365.0, payee_account_age_days=365.0,
        payee_payments=5, history_count=30, amount_percentile=0.6, largest_recent=D("4000.00"),
        typical_amount=D("3000.00"), share_of_balance=0.125, hour_count=1, hour_total=D("2500.00"),
        hour_habit_share=0.3, new_payees_day=0, new_payees_day_total=D("0.00"), pass_through=False,
        payee_new_payers_day=0,
    )
    return replace(base, **changes)


def drain(**changes) -> Behaviour:
    """The whole balance, not unusually large for this customer (their largest was 15,000)."""
    return behaviour(**{"amount": D("20000.00"), "share_of_balance": 1.0, "hour_total": D("20000.00"),
                        "largest_recent": D("15000.00"), **changes})


def test_an_ordinary_payment_is_allowed_without_signals():
    verdict = decide(0.001, behaviour())
    assert verdict.decision == "allow" and verdict.signals == [] and verdict.customer_reasons == []


def test_draining_to_an_established_payee_is_allowed_whatever_the_model_says():
    verdict = decide(0.999, drain())
    assert verdict.decision == "allow"
    assert "model" not in {s.code for s in verdict.signals}


def test_the_model_alone_holds_and_never_declines():
    verdict = decide(0.999, drain(payee_payments=0))  # old account, usual size
    assert verdict.decision == "hold"
    assert [s.code for s in verdict.signals if s.strong] == ["model"]


def test_two_agreeing_strong_signals_to_a_new_payee_decline():
    verdict = decide(0.999, drain(payee_payments=0, account_age_days=1.0))
    assert {s.code for s in verdict.signals if s.strong} == {"model", "new_account_drain"}
    assert verdict.decision == "decline"


def test_the_model_counts_toward_a_decline_only_from_the_block_threshold(settings):
    assert decide(0.9, drain(payee_payments=0, account_age_days=1.0)).decision == "hold"
    settings.FRAUD_BLOCK_THRESHOLD = 0.85
    assert decide(0.9, drain(payee_payments=0, account_age_days=1.0)).decision == "decline"
    settings.FRAUD_DECLINE_MIN_STRONG = 3
    assert decide(0.9, drain(payee_payments=0, account_age_days=1.0)).decision == "hold"


def test_velocity_is_by_size_and_baseline_not_a_count():
    many_small = behaviour(hour_count=15, hour_total=D("2500.00"), amount=D("200.00"))
    assert decide(0.001, many_small).decision == "allow"
    # Four payments emptying the balance, far above the customer's usual 3,000: velocity.
    fast_drain = behaviour(hour_count=4, hour_total=D("60000.00"), amount=D("15000.00"), available=D("15000.00"),
                           share_of_balance=1.0)
    codes = {s.code for s in decide(0.001, fast_drain).signals}
    assert "velocity" in codes and decide(0.001, fast_drain).decision == "hold"
    # The same total from a customer who routinely pays 20,000 is within their baseline.
    big_spender = replace(fast_drain, typical_amount=D("20000.00"))
    assert "velocity" not in {s.code for s in decide(0.001, big_spender).signals}


def test_weak_signals_hold_only_together(settings):
    two = behaviour(payee_payments=0, largest_recent=D("500.00"))  # new payee + unusual amount
    assert {s.code for s in decide(0.01, two).signals} == {"new_payee", "unusual_amount"}
    assert decide(0.01, two).decision == "allow"
    three = replace(two, hour_habit_share=0.0)
    assert decide(0.01, three).decision == "hold"
    settings.FRAUD_HOLD_MIN_WEAK = 4
    assert decide(0.01, three).decision == "allow"


@pytest.mark.parametrize(("change", "code"), [
    ({"pass_through": True, "payee_payments": 0}, "pass_through"),
    ({"payee_new_payers_day": 6, "payee_payments": 0}, "mule_payee"),
    ({"new_payees_day": 3, "new_payees_day_total": D("20000.00"), "payee_payments": 0}, "new_payees_drain"),
])
def test_each_strong_behaviour_signal_alone_holds(change, code):
    verdict = decide(0.001, behaviour(**change))
    assert code in {s.code for s in verdict.signals if s.strong} and verdict.decision == "hold"


def test_reasons_plain_for_the_customer_with_figures_for_the_operator():
    verdict = decide(0.999, drain(payee_payments=0, account_age_days=1.0))
    assert verdict.customer_reasons and all(not any(c.isdigit() for c in r) for r in verdict.customer_reasons)
    assert any("0.999" in r for r in verdict.operator_reasons)
    assert any("100%" in r and "1.0 days" in r for r in verdict.operator_reasons)
    assert all(r.startswith(("strong: ", "weak: ")) for r in verdict.operator_reasons)


def test_policy_settings_record_the_version_and_thresholds(settings):
    settings.FRAUD_MULE_NEW_PAYERS = 9
    recorded = policy_settings()
    assert recorded["version"] and recorded["FRAUD_MULE_NEW_PAYERS"] == "9"
    assert decide(0.001, behaviour(payee_new_payers_day=6, payee_payments=0)).decision == "allow"
