import pytest

# The per-test channel layer of the notification tests (payments notify).
from notifications.tests.conftest import _fresh_channel_layer  # noqa: F401


@pytest.fixture(autouse=True)
def scripted_risk(scripted_risk):
    """Payments tests decide risk outcomes themselves: `scripted_risk.decision = "hold"`."""
    return scripted_risk
