import pytest


@pytest.fixture(autouse=True)
def scripted_risk(scripted_risk):
    """Classic tests choose risk outcomes (`scripted_risk.decision = "hold"`); the real scorer is
    the one /api/ uses and is tested there."""
    return scripted_risk


