import pytest


@pytest.fixture(autouse=True)
def scripted_risk(scripted_risk):
    """Classic tests choose risk outcomes (`scripted_risk.decision = "hold"`); the real scorer is
    the one /api/ uses and is tested there."""
    return scripted_risk


@pytest.fixture
def alice(db):
    from accounts.tests.factories import make_user

    return make_user("alice", full_name="Alice Rao", phone="+91 98765 43210")


@pytest.fixture
def bob(db):
    from accounts.tests.factories import make_user

    return make_user("bob", full_name="Bob Iyer", phone="9123456780")
