import pytest

from chain.tests.assessors import Scripted


@pytest.fixture(autouse=True)
def chain_settings(settings):
    """Cheap proof-of-work (difficulty 1) unless a test asks for the real default, and risk
    decisions on demand: `chain_settings.decision = "hold"`."""
    settings.BLOCKCHAIN_DIFFICULTY = 1
    settings.LEDGER_RISK_ASSESSOR = "chain.tests.assessors.Scripted"
    Scripted.decision = "allow"
    return Scripted
