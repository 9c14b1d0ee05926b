import pytest


@pytest.fixture(autouse=True)
def scripted_risk(scripted_risk):
    """Ledger tests decide risk outcomes themselves: `scripted_risk.decision = "hold"`."""
    return scripted_risk
