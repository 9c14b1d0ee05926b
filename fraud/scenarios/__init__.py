"""The scenario suite: named customer histories, one payment each, and the decision a bank could
live with. Run in CI (fraud/tests/test_scenarios.py, through the real ledger and assessor) and
printed by `evaluate_fraud_model` beside the metrics; every trained model records the results.

Expectations (issue 15): every *normal* scenario allowed, with at most one of them held and none
declined; every *fraud* scenario held or declined.
"""

from fraud.scenarios.catalogue import SCENARIOS, Scenario
from fraud.scenarios.runner import ScenarioResult, scenarios_run, scenarios_summary

__all__ = ["SCENARIOS", "Scenario", "ScenarioResult", "scenarios_run", "scenarios_summary"]
