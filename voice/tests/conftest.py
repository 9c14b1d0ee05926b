"""Voice test fixtures: a scripted risk assessor, users with contacts, the built speech model."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def scripted_risk(scripted_risk):
    """Voice tests choose risk outcomes (`scripted_risk.decision = "hold"`); the real fraud
    assessor is exercised in test_execute.py::test_real_fraud_scoring_applies."""
    return scripted_risk


@pytest.fixture(scope="session")
def voice_model_dir(tmp_path_factory):
    """The real speech model, built once per test session (about 10 s)."""
    from django.test import override_settings

    from voice.model import voice_model_build

    directory = tmp_path_factory.mktemp("voice-model")
    with override_settings(VOICE_MODEL_DIR=directory):
        voice_model_build()
    return directory


@pytest.fixture
def voice_model(voice_model_dir, settings):
    settings.VOICE_MODEL_DIR = voice_model_dir
    return voice_model_dir
