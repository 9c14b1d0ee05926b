import pytest

from payments.tests.risk import Scripted


@pytest.fixture(autouse=True)
def scripted_risk(settings):
    """Payments tests decide risk outcomes themselves: `scripted_risk.decision = "hold"`."""
    settings.LEDGER_RISK_ASSESSOR = "payments.tests.risk.Scripted"
    Scripted.decision = "allow"
    yield Scripted
    Scripted.decision = "allow"


@pytest.fixture
def alice(db):  # noqa: ANN001
    from payments.tests.factories import make_user

    return make_user("alice", full_name="Alice Rao", phone="+91 98765 43210")


@pytest.fixture
def bob(db):  # noqa: ANN001
    from payments.tests.factories import make_user

    return make_user("bob", full_name="Bob Iyer", phone="9123456780")
