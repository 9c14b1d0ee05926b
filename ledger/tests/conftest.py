import pytest

from ledger.tests.assessors import Scripted


@pytest.fixture(autouse=True)
def scripted_risk(settings):
    """Ledger tests decide risk outcomes themselves: `scripted_risk.decision = "hold"`."""
    settings.LEDGER_RISK_ASSESSOR = "ledger.tests.assessors.Scripted"
    Scripted.decision = "allow"
    Scripted.seen = []
    Scripted.recorded = []
    return Scripted
