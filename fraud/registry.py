"""Model files on disk and the process-wide cache of the active model.

Each version is a directory `settings.FRAUD_MODEL_DIR/<version>/` holding `model.ubj` (XGBoost's
own binary JSON: never pickle, which would execute code on load), `metadata.json` and
`pr_curve.png`. The `FraudModel` row marked active says which version serves.

`active_model()` is called on every scored transfer. It asks the database which version is
active at most every `RECHECK_SECONDS` (one indexed query; scoring runs inside the transfer's
locks, so a query saved is latency saved), and loads the booster only when that version differs
from the one this process holds (under a lock, so concurrent requests load it once). Activating a
model resets this process's cache on commit; other processes switch within RECHECK_SECONDS. A
version that fails to load is not retried for `RETRY_SECONDS`, so a broken file does not turn
every transfer into a disk read.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xgboost as xgb
from django.conf import settings

from fraud.features import FEATURES
from fraud.models import FraudModel

logger = logging.getLogger("fraud.registry")

MODEL_FILE = "model.ubj"
METADATA_FILE = "metadata.json"
PR_CURVE_FILE = "pr_curve.png"
RETRY_SECONDS = 30.0
RECHECK_SECONDS = 1.0
_VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ModelUnavailable(Exception):
    """The active model cannot be loaded (missing or corrupt files, wrong feature list)."""


@dataclass(frozen=True)
class LoadedModel:
    version: str
    booster: xgb.Booster
    metadata: dict[str, Any]
    loaded_at: float


def model_dir(version: str) -> Path:
    if not _VERSION_RE.match(version):
        raise ValueError("invalid model version")
    return Path(settings.FRAUD_MODEL_DIR) / version


def model_files_write(*, version: str, booster: xgb.Booster, metadata: dict[str, Any]) -> Path:
    """Write the model and its metadata (the PR curve is drawn by the caller into the same dir)."""
    directory = model_dir(version)
    directory.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(directory / MODEL_FILE))
    (directory / METADATA_FILE).write_text(json.dumps(metadata, indent=2, sort_keys=True))
    return directory


def model_files_load(version: str) -> LoadedModel:
    directory = model_dir(version)
    try:
        metadata = json.loads((directory / METADATA_FILE).read_text())
        if list(metadata.get("features", [])) != list(FEATURES):
            raise ModelUnavailable(f"model {version} was trained on a different feature list")
        booster = xgb.Booster()
        booster.load_model(str(directory / MODEL_FILE))
        # One thread per prediction: a single row gains nothing from more, and requests already
        # run in parallel.
        booster.set_param({"nthread": 1})
        if booster.num_features() != len(FEATURES):
            raise ModelUnavailable(f"model {version} expects {booster.num_features()} features")
    except ModelUnavailable:
        raise
    except (OSError, ValueError, xgb.core.XGBoostError) as exc:
        raise ModelUnavailable(f"model {version} cannot be loaded ({type(exc).__name__})") from exc
    return LoadedModel(version=version, booster=booster, metadata=metadata, loaded_at=time.time())


class ActiveModelCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: LoadedModel | None = None
        self._failed: tuple[str, float] | None = None
        self._checked: tuple[str | None, float] | None = None  # (active version, monotonic time)

    def active_version(self) -> str | None:
        checked = self._checked
        now = time.monotonic()
        if checked is not None and now - checked[1] < RECHECK_SECONDS:
            return checked[0]
        version = FraudModel.objects.filter(is_active=True).values_list("version", flat=True).first()
        self._checked = (version, now)
        return version

    def get(self) -> LoadedModel | None:
        """The active model (loading it if the active version changed); None when none is active.

        Raises ModelUnavailable when the active version cannot be loaded.
        """
        version = self.active_version()
        if version is None:
            return None
        model = self._model
        if model is not None and model.version == version:
            return model
        with self._lock:
            model = self._model
            if model is not None and model.version == version:
                return model
            failed = self._failed
            if failed and failed[0] == version and time.monotonic() - failed[1] < RETRY_SECONDS:
                raise ModelUnavailable(f"model {version} failed to load recently")
            try:
                loaded = model_files_load(version)
            except ModelUnavailable:
                self._failed = (version, time.monotonic())
                logger.error("fraud model %s cannot be loaded; failing closed", version)
                raise
            self._model, self._failed = loaded, None
            logger.info("fraud model %s loaded", version)
            return loaded

    def loaded_version(self) -> str | None:
        model = self._model
        return model.version if model else None

    def reset(self) -> None:
        with self._lock:
            self._model, self._failed, self._checked = None, None, None


active_models = ActiveModelCache()


def active_model() -> LoadedModel | None:
    return active_models.get()
