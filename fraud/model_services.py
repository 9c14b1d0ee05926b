"""Model lifecycle: train and register a version, activate one, evaluate one on labelled data.

Training data is the real PaySim file when it is in `data/` (PS_20174392719_1491204439457_log.csv),
otherwise a generated file (`fraud.generator`, cached as data/paysim_generated_<rows>_<seed>.csv).
"""

from __future__ import annotations

import csv
import platform
import secrets
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from fraud.datasets import REAL_PAYSIM_FILENAME, file_sha256, paysim_load
from fraud.exceptions import ModelNotFound
from fraud.features import FEATURES
from fraud.generator import paysim_generate
from fraud.metrics import pr_curve_png
from fraud.models import FraudModel
from fraud.policy import policy_settings
from fraud.policy_eval import policy_report
from fraud.registry import PR_CURVE_FILE, active_models, model_files_load, model_files_write
from fraud.scenarios import scenarios_run, scenarios_summary
from fraud.scenarios.runner import booster_score
from fraud.training import Say, TrainParams, model_evaluate, model_fit
from securebank.audit import audit_record


def real_paysim_path() -> Path | None:
    path = Path(settings.DATA_DIR) / REAL_PAYSIM_FILENAME
    return path if path.is_file() else None


def generated_paysim_path(*, rows: int, seed: int, say: Say = lambda _m: None) -> Path:
    """A generated file of `rows` rows for `seed`, made once and reused (same rows and seed give
    the same file)."""
    path = Path(settings.DATA_DIR) / f"paysim_generated_{rows}_{seed}.csv"
    if path.is_file():
        say(f"using generated data {path.name}")
        return path
    say(f"generating {rows:,} PaySim rows (seed {seed}) into {path.name}")
    last = [-1]

    def progress(done: int, total: int) -> None:
        pct = done * 100 // total
        if pct // 10 != last[0] // 10 or done == total:
            last[0] = pct
            say(f"  generated {done:,}/{total:,} rows ({pct}%)")

    paysim_generate(rows=rows, seed=seed, out=path, progress=progress)
    return path


def _new_version() -> str:
    return f"{timezone.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def model_train(
    *, data: Path, rows: int | None = None, params: TrainParams, activate: bool = False, say: Say = lambda _m: None
) -> FraudModel:
    """Load, train (time split), save files, draw the PR curve, register the version."""
    say(f"loading {data.name}{f' (first {rows:,} rows)' if rows else ''}")
    df = paysim_load(data, rows=rows)
    say(f"  {len(df):,} rows, {int(df['isFraud'].sum()):,} frauds")
    result = model_fit(df, params=params, threshold=settings.FRAUD_THRESHOLD, say=say)
    trained_at = timezone.now()
    version = _new_version()
    sha = file_sha256(data)
    metrics = {
        "test": result.test_metrics,
        "validation_auprc": result.valid_auprc,
        "split": result.split,
        "best_iteration": result.best_iteration,
        "scale_pos_weight": round(result.scale_pos_weight, 3),
        "dest_features_comparison": result.dest_comparison,
        "train_seconds": result.seconds,
        "scenarios": scenarios_summary(scenarios_run(booster_score(result.booster))),
    }
    metadata = {
        "version": version,
        "trained_at": trained_at.isoformat(),
        "data_source": data.name,
        "data_sha256": sha,
        "rows": len(df),
        "features": list(FEATURES),
        "policy": policy_settings(),  # the policy the scenario results in metrics were decided with
        "threshold": settings.FRAUD_THRESHOLD,
        "block_threshold": settings.FRAUD_BLOCK_THRESHOLD,
        "metrics": metrics,
        "params": {k: v for k, v in asdict(params).items() if k != "threads"},
        "format": "xgboost-ubj",
        "xgboost_version": xgb.__version__,
        "python": platform.python_version(),
    }
    directory = model_files_write(version=version, booster=result.booster, metadata=metadata)
    pr_curve_png(
        directory / PR_CURVE_FILE, result.test_labels, result.test_scores,
        title=f"Fraud model {version}: time-split test set of {data.name}", threshold=settings.FRAUD_THRESHOLD,
    )
    with transaction.atomic(durable=True):
        row = FraudModel.objects.create(
            version=version, trained_at=trained_at, data_source=data.name[:255], data_sha256=sha, rows=len(df),
            threshold=settings.FRAUD_THRESHOLD, features=list(FEATURES), metrics=metrics,
        )
    say(f"saved model {version} in {directory}")
    if activate:
        row = model_activate(version=version, actor=None)
        say(f"model {version} is now active")
    return row


def model_activate(*, version: str, actor: User | None = None) -> FraudModel:
    """Make `version` the one that scores transfers (audited). Its files must load first: a
    model that cannot serve is never activated."""
    with transaction.atomic(durable=True):
        row = FraudModel.objects.select_for_update().filter(version=version).first()
        if row is None:
            raise ModelNotFound()
        model_files_load(version)
        previous = list(FraudModel.objects.select_for_update().filter(is_active=True).exclude(pk=row.pk))
        FraudModel.objects.filter(pk__in=[p.pk for p in previous]).update(is_active=False)
        if not row.is_active:
            row.is_active = True
            row.activated_at = timezone.now()
            row.save(update_fields=["is_active", "activated_at"])
            audit_record(
                actor=actor, action="fraud.model.activate", obj=row,
                before={"active": previous[0].version if previous else None}, after={"active": version},
            )
        # Other processes notice the new version on their next scored transfer.
        transaction.on_commit(active_models.reset)
    return row


def model_evaluate_file(
    *, data: Path, version: str | None = None, rows: int | None = None, scores_out: Path | None = None
) -> dict[str, Any]:
    """Score a labelled PaySim-format file with a saved model; optionally write each row's
    probability. No training, nothing stored."""
    if version is None:
        active = FraudModel.objects.filter(is_active=True).first()
        if active is None:
            raise ModelNotFound("No active fraud model; pass --model VERSION.")
        version = active.version
    elif not FraudModel.objects.filter(version=version).exists():
        raise ModelNotFound()
    loaded = model_files_load(version)
    loaded.booster.set_param({"nthread": 0})  # batch scoring: all cores
    df = paysim_load(data, rows=rows, with_names=scores_out is not None)
    report, scores = model_evaluate(loaded.booster, df, threshold=settings.FRAUD_THRESHOLD)
    if scores_out is not None:
        _scores_write(scores_out, df, scores)
    loaded.booster.set_param({"nthread": 1})
    return {
        "model": version, "data": data.name, "data_sha256": file_sha256(data), "features": list(FEATURES), **report,
        "policy_decisions": policy_report(df, scores),
        "scenarios": scenarios_summary(scenarios_run(booster_score(loaded.booster))),
    }


def _scores_write(path: Path, df: Any, scores: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["row", "step", "type", "amount", "nameOrig", "nameDest", "isFraud", "probability"])
        columns = zip(df["step"], df["type"], df["amount"], df["nameOrig"], df["nameDest"], df["isFraud"], scores, strict=True)
        for i, (step, kind, amount, orig, dest, label, p) in enumerate(columns):
            out.writerow([i, int(step), kind, f"{amount:.2f}", orig, dest, int(label), f"{p:.6f}"])
