import pytest


@pytest.fixture(autouse=True)
def chain_settings(settings, scripted_risk):
    """Cheap proof-of-work (difficulty 1) unless a test asks for the real default, and risk
    decisions on demand: `chain_settings.decision = "hold"`."""
    settings.BLOCKCHAIN_DIFFICULTY = 1
    # Distinctive values, so that a test can show a proof never reveals them.
    scripted_risk.reset(model_version="chain-test-1", scores={"allow": 0.01234, "hold": 0.8, "decline": 0.99})
    return scripted_risk
