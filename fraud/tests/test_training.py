"""Training: time split, no resampling, honest metrics; the commands train, save (never pickle),
register, activate and evaluate."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from fraud.datasets import paysim_load, time_split
from fraud.features import FEATURES
from fraud.models import FraudModel
from fraud.registry import METADATA_FILE, MODEL_FILE, PR_CURVE_FILE, model_files_load
from fraud.tests.conftest import TEST_VERSION, register_model
from fraud.tests.test_datasets import REAL_SAMPLE, needs_real_sample
from fraud.training import TrainParams, model_fit
from securebank.models import AuditEvent


def test_model_fit_splits_by_time_and_reports_test_metrics(generated_csv):
    df = paysim_load(generated_csv)
    messages: list[str] = []
    result = model_fit(df, params=TrainParams(max_rounds=30, threads=2), threshold=0.7, say=messages.append)
    split = time_split(df["step"].to_numpy())
    # the test set is exactly the latest steps, untouched (no resampling)
    assert result.split["test_rows"] == int(split.test.sum()) == len(result.test_labels)
    assert result.split["test_frauds"] == int(df["isFraud"].to_numpy()[split.test].sum())
    assert result.split["test_from_step"] > result.split["valid_from_step"]
    train_y = df["isFraud"].to_numpy()[split.train]
    assert result.scale_pos_weight == pytest.approx(np.sqrt((train_y == 0).sum() / train_y.sum()))
    m = result.test_metrics
    assert set(m) >= {"auprc", "roc_auc", "precision", "recall", "f1", "confusion_matrix"}
    assert m["auprc"] > 0.95
    assert sum(m["confusion_matrix"].values()) == m["rows"]
    assert result.dest_comparison is not None and "auprc_gain" in result.dest_comparison
    assert any("split by time" in line for line in messages) and any("round" in line for line in messages)
    assert result.booster.num_features() == len(FEATURES)


@needs_real_sample
@pytest.mark.django_db
def test_train_command_on_the_real_sample_saves_registers_and_activates(settings, tmp_path):
    settings.FRAUD_MODEL_DIR = tmp_path / "models"
    out = io.StringIO()
    call_command("train_fraud_model", "--data", str(REAL_SAMPLE), "--activate", "--max-rounds", "40", stdout=out)
    text = out.getvalue()
    row = FraudModel.objects.get()
    assert row.is_active and row.rows == 51_392 and row.data_source == REAL_SAMPLE.name
    assert row.features == list(FEATURES)
    assert row.metrics["test"]["auprc"] > 0.9
    assert row.metrics["dest_features_comparison"]["features"] == ["newbalanceDest", "errorBalanceDest"]
    assert "AUPRC" in text and "would have added" in text
    directory = settings.FRAUD_MODEL_DIR / row.version
    model_bytes = (directory / MODEL_FILE).read_bytes()
    assert model_bytes[:1] == b"{" and not model_bytes.startswith(b"\x80")  # UBJSON, not a pickle
    metadata = json.loads((directory / METADATA_FILE).read_text())
    assert metadata["data_sha256"] == row.data_sha256 and len(row.data_sha256) == 64
    assert metadata["features"] == list(FEATURES) and metadata["threshold"] == 0.7
    assert set(metadata) >= {"version", "trained_at", "data_source", "rows", "metrics"}
    with Image.open(directory / PR_CURVE_FILE) as img:
        assert img.format == "PNG"
    assert model_files_load(row.version).booster.num_features() == len(FEATURES)
    assert AuditEvent.objects.filter(action="fraud.model.activate", object_id=str(row.pk)).exists()


@pytest.mark.django_db
def test_train_command_generates_data_when_no_file_is_given(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.FRAUD_MODEL_DIR = tmp_path / "models"
    out = io.StringIO()
    call_command("train_fraud_model", "--rows", "60000", "--seed", "2", "--max-rounds", "20",
                 "--no-dest-comparison", "--scale-pos-weight", "5", stdout=out)
    assert (tmp_path / "paysim_generated_60000_2.csv").is_file()
    row = FraudModel.objects.get()
    assert not row.is_active and row.rows == 60_000
    assert row.metrics["scale_pos_weight"] == 5 and row.metrics["dest_features_comparison"] is None
    assert "generated" in out.getvalue()


@pytest.mark.django_db
def test_train_if_missing_does_nothing_when_a_model_is_active(active_fraud_model):
    out = io.StringIO()
    call_command("train_fraud_model", "--if-missing", "--activate", stdout=out)
    assert "nothing to do" in out.getvalue()
    assert FraudModel.objects.count() == 1


@pytest.mark.django_db
def test_train_command_fails_cleanly(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="training failed"):
        call_command("train_fraud_model", "--data", str(bad))
    with pytest.raises(CommandError, match="no such file"):
        call_command("train_fraud_model", "--data", str(tmp_path / "missing.csv"))


@pytest.mark.django_db
def test_evaluate_command_prints_metrics_and_writes_scores(active_fraud_model, generated_csv, tmp_path):
    out = io.StringIO()
    scores = tmp_path / "scores.csv"
    call_command("evaluate_fraud_model", "--data", str(generated_csv), "--scores-out", str(scores), stdout=out)
    report = json.loads(out.getvalue())
    assert report["model"] == TEST_VERSION and report["rows"] == 40_000
    assert report["auprc"] > 0.9 and "confusion_matrix" in report
    with open(scores) as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 40_000
    assert {"nameOrig", "isFraud", "probability"} <= set(rows[0])
    probs = np.array([float(r["probability"]) for r in rows])
    labels = np.array([int(r["isFraud"]) for r in rows])
    assert probs[labels == 1].mean() > probs[labels == 0].mean()


@pytest.mark.django_db
def test_evaluate_command_names_a_model_or_fails(model_dir_setting, generated_csv):
    with pytest.raises(CommandError, match="No active fraud model"):
        call_command("evaluate_fraud_model", "--data", str(generated_csv))
    with pytest.raises(CommandError, match="No such fraud model"):
        call_command("evaluate_fraud_model", "--data", str(generated_csv), "--model", "nope")
    register_model("test-model-2", active=False)
    out = io.StringIO()
    call_command("evaluate_fraud_model", "--data", str(generated_csv), "--model", "test-model-2", "--rows", "5000", stdout=out)
    assert json.loads(out.getvalue())["rows"] == 5_000
