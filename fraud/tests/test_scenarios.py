"""The scenario suite of issue 15, in CI: normal customers allowed (at most one held, none
declined), frauds held or declined; and the ledger path decides exactly as the written-down one."""

from __future__ import annotations

import pytest

from fraud.registry import active_model
from fraud.scenarios import SCENARIOS, scenarios_run, scenarios_summary
from fraud.scenarios.runner import booster_score
from fraud.services import risk_assessor
from fraud.tests.ledger_history import scenario_in_ledger


@pytest.fixture
def booster(active_fraud_model):
    return active_model().booster


def test_the_suite_meets_the_acceptance(booster):
    summary = scenarios_summary(scenarios_run(booster_score(booster)))
    by_name = {r["name"]: r for r in summary["results"]}
    assert summary["normal"]["declined"] == 0 and summary["normal"]["held"] <= 1, summary["normal"]
    assert summary["fraud"]["allowed"] == 0, [r for r in summary["results"] if r["kind"] == "fraud" and not r["ok"]]
    assert summary["passed"] is True
    # The drained-to-zero signature alone does not even hold a payment to a regular payee.
    assert by_name["whole_balance_to_regular_payee"]["model_probability"] >= 0.7
    assert by_name["whole_balance_to_regular_payee"]["decision"] == "allow"
    # Small payments at a market are not velocity.
    assert "velocity" not in by_name["market_15_small_payments"]["signals"]
    assert {"velocity", "new_payees_drain"} <= set(by_name["rapid_drain_new_payees"]["signals"])
    assert "mule_payee" in by_name["mule_payee_fan_in"]["signals"]
    assert "pass_through" in by_name["paysim_chain_cash_out"]["signals"]
    assert "unusual_hour" in by_name["old_account_sudden_drain_at_odd_hour"]["signals"]
    assert "unusual_hour" not in by_name["night_payer_at_night"]["signals"]


def test_summary_fails_on_a_declined_normal_or_an_allowed_fraud(booster):
    results = scenarios_run(booster_score(booster))
    normal = next(r for r in results if r.kind == "normal")
    fraud = next(r for r in results if r.kind == "fraud")
    assert scenarios_summary([normal.__class__(**{**normal.__dict__, "decision": "decline"})])["passed"] is False
    assert scenarios_summary([fraud.__class__(**{**fraud.__dict__, "decision": "allow"})])["passed"] is False
    two_held = [normal.__class__(**{**normal.__dict__, "decision": "hold"})] * 2
    assert scenarios_summary(two_held)["passed"] is False


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_through_the_ledger_the_decision_is_the_same(booster, scenario):
    expected = {r.name: r for r in scenarios_run(booster_score(booster), (scenario,))}[scenario.name]
    verdict = risk_assessor.assess(scenario_in_ledger(scenario))
    assert verdict.decision == expected.decision
    assert verdict.details["rules"] == expected.signals
