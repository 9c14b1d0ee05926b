"""Fraud test fixtures: one small real model trained once per session, activated per test.

The model is trained on generated PaySim data (a higher fraud share than PaySim's so that a small
file holds enough frauds) into a session tmp dir; `active_fraud_model` points
settings.FRAUD_MODEL_DIR there and registers the version as active for one test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from fraud.datasets import paysim_load
from fraud.features import FEATURES
from fraud.generator import paysim_generate
from fraud.models import FraudModel
from fraud.registry import model_files_write
from fraud.scoring import scoring_state_reset
from fraud.training import TrainParams, model_fit

TEST_VERSION = "test-model-1"
TEST_ROWS = 40_000
TEST_FRAUD_SHARE = 0.01


@pytest.fixture(scope="session")
def generated_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("paysim") / "generated.csv"
    paysim_generate(rows=TEST_ROWS, seed=7, out=path, fraud_share=TEST_FRAUD_SHARE)
    return path


@pytest.fixture(scope="session")
def trained_model_dir(tmp_path_factory, generated_csv) -> Path:
    """FRAUD_MODEL_DIR holding TEST_VERSION (and a copy of it as "test-model-2")."""
    root = tmp_path_factory.mktemp("models")
    df = paysim_load(generated_csv)
    result = model_fit(df, params=TrainParams(max_rounds=60, threads=2, compare_dest_features=False), threshold=0.7)
    with override_settings(FRAUD_MODEL_DIR=root):
        for version in (TEST_VERSION, "test-model-2"):
            model_files_write(version=version, booster=result.booster, metadata={
                "version": version, "features": list(FEATURES), "metrics": {"test": result.test_metrics},
            })
    return root


@pytest.fixture(autouse=True)
def _fresh_scoring_state():
    """The loaded model and failure counters are process-wide: never leak them between tests."""
    scoring_state_reset()
    yield
    scoring_state_reset()


@pytest.fixture
def model_dir_setting(settings, trained_model_dir):
    settings.FRAUD_MODEL_DIR = trained_model_dir
    return trained_model_dir


def register_model(version: str = TEST_VERSION, *, active: bool = True) -> FraudModel:
    return FraudModel.objects.create(
        version=version, trained_at=timezone.now(), is_active=active, data_source="generated.csv",
        data_sha256="0" * 64, rows=TEST_ROWS, threshold=0.7, features=list(FEATURES),
        metrics={"test": {"auprc": 0.99}},
    )


@pytest.fixture
def active_fraud_model(db, model_dir_setting) -> FraudModel:
    return register_model()
