"""Metrics against known values (scikit-learn's documented examples) and the PR-curve PNG."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from fraud.metrics import average_precision, classification_report, pr_curve_png, precision_recall_curve, roc_auc


def test_known_values_from_scikit_learn_docs():
    y, p = np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])
    assert average_precision(y, p) == pytest.approx(0.8333333)
    assert roc_auc(y, p) == pytest.approx(0.75)
    precision, recall, thresholds = precision_recall_curve(y, p)
    assert list(thresholds) == [0.8, 0.4, 0.35, 0.1]
    assert list(np.round(precision, 4)) == [1.0, 0.5, 0.6667, 0.5]
    assert list(recall) == [0.5, 0.5, 1.0, 1.0]


def test_ties_are_one_threshold():
    y, p = np.array([1, 0, 1, 0]), np.full(4, 0.5)
    assert average_precision(y, p) == 0.5
    assert roc_auc(y, p) == 0.5


def test_perfect_and_inverted_rankings():
    y = np.array([0, 0, 0, 1, 1])
    assert average_precision(y, np.array([0.1, 0.2, 0.3, 0.8, 0.9])) == 1.0
    assert roc_auc(y, np.array([0.9, 0.8, 0.7, 0.2, 0.1])) == 0.0


def test_report_at_threshold():
    y = np.array([1, 1, 0, 0, 0, 1])
    p = np.array([0.9, 0.6, 0.75, 0.1, 0.2, 0.7])
    r = classification_report(y, p, threshold=0.7)
    assert r["confusion_matrix"] == {"tp": 2, "fp": 1, "fn": 1, "tn": 2}
    assert r["precision"] == pytest.approx(2 / 3, abs=1e-6) and r["recall"] == pytest.approx(2 / 3, abs=1e-6)
    assert r["f1"] == pytest.approx(2 / 3, abs=1e-6)
    assert r["rows"] == 6 and r["frauds"] == 3


def test_undefined_without_positives():
    with pytest.raises(ValueError):
        average_precision(np.zeros(3), np.array([0.1, 0.2, 0.3]))
    assert classification_report(np.zeros(3), np.array([0.1, 0.2, 0.9]), threshold=0.7)["auprc"] is None


def test_pr_curve_png(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.random(500) < 0.1
    p = np.clip(y * 0.6 + rng.random(500) * 0.5, 0, 1)
    path = pr_curve_png(tmp_path / "pr.png", y, p, title="test", threshold=0.7)
    with Image.open(path) as img:
        assert img.format == "PNG" and img.size == (720, 540)
        assert len(img.getcolors(1 << 16)) > 3  # not a blank canvas
