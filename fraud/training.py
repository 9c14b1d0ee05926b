"""Training and evaluating the fraud model (pure computation: no database, no files).

Honest by construction: the split is by time (train on earlier steps, validate on the next ones
for early stopping, test on the latest ~20% of rows), nothing is resampled (class imbalance is
handled by `scale_pos_weight`, the square root of negatives / positives in the training set), the test set is used
once, after training, and every reported number is computed here from the test predictions.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb

from fraud.datasets import TimeSplit, time_split
from fraud.features import DEST_ARTIFACT_FEATURES, FEATURES, dest_artifact_features, features_from_paysim
from fraud.metrics import classification_report

Say = Callable[[str], None]


@dataclass(frozen=True)
class TrainParams:
    max_rounds: int = 200
    early_stopping_rounds: int = 20
    early_stopping_min_delta: float = 1e-5  # log-loss gains below this are noise, not learning
    max_depth: int = 6
    learning_rate: float = 0.3
    min_child_weight: float = 5.0
    seed: int = 0
    threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    scale_pos_weight: float | None = None  # None: sqrt(negatives / positives) of the training set
    compare_dest_features: bool = True

    def booster_params(self, scale_pos_weight: float) -> dict[str, Any]:
        return {
            "objective": "binary:logistic",
            # The last metric drives early stopping: validation log-loss keeps improving while the
            # probabilities sharpen, whereas AUPRC saturates at 1.0 on easy data and would stop
            # after a single tree whose scores never reach the decision threshold.
            "eval_metric": ["aucpr", "logloss"],
            "tree_method": "hist",
            "max_depth": self.max_depth,
            "eta": self.learning_rate,
            "min_child_weight": self.min_child_weight,
            "subsample": 0.9,
            "colsample_bytree": 1.0,
            "scale_pos_weight": scale_pos_weight,
            "nthread": self.threads,
            "seed": self.seed,
        }


@dataclass
class TrainResult:
    booster: xgb.Booster
    best_iteration: int
    test_metrics: dict[str, Any]
    valid_auprc: float
    split: dict[str, Any]
    scale_pos_weight: float
    dest_comparison: dict[str, Any] | None
    test_labels: np.ndarray
    test_scores: np.ndarray
    seconds: float


class _Progress(xgb.callback.TrainingCallback):
    def __init__(self, say: Say, total: int, label: str, every: int = 10) -> None:
        self.say, self.total, self.label, self.every = say, total, label, every
        self.started = time.perf_counter()
        self.log: dict = {}

    def after_iteration(self, model: Any, epoch: int, evals_log: dict) -> bool:
        self.log = evals_log
        if (epoch + 1) % self.every == 0 or epoch == 0:
            valid = evals_log.get("valid", {})
            auprc = valid.get("aucpr", [float("nan")])[-1]
            logloss = valid.get("logloss", [float("nan")])[-1]
            elapsed = time.perf_counter() - self.started
            self.say(f"  {self.label}: round {epoch + 1}/{self.total}  validation AUPRC {auprc:.5f}  "
                     f"log-loss {logloss:.5f}  ({elapsed:.1f} s)")
        return False


def _fit(
    x: np.ndarray, y: np.ndarray, split: TimeSplit, params: TrainParams, spw: float, say: Say, label: str
) -> tuple[xgb.Booster, float]:
    dtrain = xgb.QuantileDMatrix(x[split.train], y[split.train], nthread=params.threads)
    dvalid = xgb.DMatrix(x[split.valid], y[split.valid], nthread=params.threads)
    callbacks = [
        xgb.callback.EarlyStopping(rounds=params.early_stopping_rounds, metric_name="logloss", data_name="valid",
                                   maximize=False, save_best=True, min_delta=params.early_stopping_min_delta),
        progress := _Progress(say, params.max_rounds, label),
    ]
    booster = xgb.train(
        params.booster_params(spw), dtrain, num_boost_round=params.max_rounds,
        evals=[(dvalid, "valid")], callbacks=callbacks, verbose_eval=False,
    )
    best = booster.best_iteration
    valid_auprc = float(evals_log["valid"]["aucpr"][best]) if (evals_log := progress.log) else float("nan")
    del dtrain, dvalid
    return booster, valid_auprc


def predict(booster: xgb.Booster, x: np.ndarray, *, threads: int | None = None) -> np.ndarray:
    if threads:
        booster.set_param({"nthread": threads})
    return booster.inplace_predict(x, validate_features=False).astype(np.float64)


def model_fit(df: pd.DataFrame, *, params: TrainParams, threshold: float, say: Say = lambda _msg: None) -> TrainResult:
    """Train on a loaded PaySim frame; evaluate once on the time-split test set."""
    started = time.perf_counter()
    y = df["isFraud"].to_numpy().astype(np.float32)
    split = time_split(df["step"].to_numpy())
    positives = float(y[split.train].sum())
    if positives == 0 or y[split.valid].sum() == 0:
        raise ValueError("the training and validation periods need at least one fraud each")
    # sqrt(neg / pos), not the full ratio: with ~780x weight per fraud the trees can carve out
    # narrow bins of pure noise (a payee balance around 50,000, say) where a handful of training
    # frauds outweigh thousands of legitimate rows: more false positives at the threshold, and on
    # one 6.36M-row draw 0.016 less AUPRC (docs/fraud.md, bench/results_fraud.md).
    spw = params.scale_pos_weight or float(np.sqrt((split.train.sum() - positives) / positives))
    split_info = {
        "train_rows": int(split.train.sum()), "train_frauds": int(positives),
        "valid_rows": int(split.valid.sum()), "valid_frauds": int(y[split.valid].sum()),
        "test_rows": int(split.test.sum()), "test_frauds": int(y[split.test].sum()),
        "valid_from_step": split.valid_from_step, "test_from_step": split.test_from_step,
    }
    say(f"split by time: train steps < {split.valid_from_step} ({split_info['train_rows']:,} rows, "
        f"{split_info['train_frauds']:,} frauds), validation < {split.test_from_step} ({split_info['valid_rows']:,}), "
        f"test >= {split.test_from_step} ({split_info['test_rows']:,} rows, {split_info['test_frauds']:,} frauds); "
        f"scale_pos_weight {spw:.1f}")

    x = features_from_paysim(df)
    booster, valid_auprc = _fit(x, y, split, params, spw, say, "served model")
    booster.feature_names = list(FEATURES)
    scores = predict(booster, x[split.test])
    labels = y[split.test].astype(np.int8)
    metrics = classification_report(labels, scores, threshold=threshold)
    say(f"test: AUPRC {metrics['auprc']}, ROC-AUC {metrics['roc_auc']}, at {threshold}: precision "
        f"{metrics['precision']}, recall {metrics['recall']}, F1 {metrics['f1']}, {metrics['confusion_matrix']}")

    comparison = None
    if params.compare_dest_features:
        say(f"comparison (not served): the same model with {', '.join(DEST_ARTIFACT_FEATURES)}")
        x_dest = np.hstack([x, dest_artifact_features(df)])
        del x
        dest_booster, _ = _fit(x_dest, y, split, params, spw, say, "with destination artifacts")
        dest_scores = predict(dest_booster, x_dest[split.test])
        dest_metrics = classification_report(labels, dest_scores, threshold=threshold)
        comparison = {
            "features": list(DEST_ARTIFACT_FEATURES),
            "auprc": dest_metrics["auprc"],
            "roc_auc": dest_metrics["roc_auc"],
            "auprc_gain": None if metrics["auprc"] is None else round(dest_metrics["auprc"] - metrics["auprc"], 6),
            "note": "newbalanceDest is PaySim's end-of-simulation balance: unknowable when a payment is scored",
        }
        say(f"  would have added {comparison['auprc_gain']:+.6f} AUPRC (AUPRC {dest_metrics['auprc']}); not served")
    return TrainResult(
        booster=booster, best_iteration=int(booster.best_iteration), test_metrics=metrics, valid_auprc=valid_auprc,
        split=split_info, scale_pos_weight=spw, dest_comparison=comparison, test_labels=labels, test_scores=scores,
        seconds=round(time.perf_counter() - started, 2),
    )


def model_evaluate(booster: xgb.Booster, df: pd.DataFrame, *, threshold: float) -> tuple[dict[str, Any], np.ndarray]:
    """Score any labelled PaySim-format frame with a saved model (no training)."""
    scores = predict(booster, features_from_paysim(df))
    return classification_report(df["isFraud"].to_numpy(), scores, threshold=threshold), scores
