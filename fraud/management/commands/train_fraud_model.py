"""`manage.py train_fraud_model [--data PATH] [--rows N] [--seed S] [--activate] [--if-missing]`.

Without --data: the real PaySim file in data/ when present, otherwise generated data
(--rows rows, default 1,000,000, cached in data/). Prints progress and the test-set metrics.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fraud.datasets import DatasetError
from fraud.model_services import generated_paysim_path, model_train, real_paysim_path
from fraud.models import FraudModel
from fraud.registry import ModelUnavailable
from fraud.training import TrainParams

DEFAULT_GENERATED_ROWS = 1_000_000


class Command(BaseCommand):
    help = "Train the fraud model (time split, early stopping), save it with its metrics and PR curve."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--data", type=Path, help="PaySim-format CSV (default: real file in data/, else generated)")
        parser.add_argument("--rows", type=int, help="use the first N rows of --data, or generate N rows")
        parser.add_argument("--seed", type=int, default=0, help="generator and training seed")
        parser.add_argument("--activate", action="store_true", help="make the new model live")
        parser.add_argument("--if-missing", action="store_true", help="do nothing when an active model exists")
        parser.add_argument("--max-rounds", type=int, default=TrainParams.max_rounds)
        parser.add_argument("--no-dest-comparison", action="store_true",
                            help="skip training the comparison model with PaySim's destination-balance artifacts")
        parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
        parser.add_argument("--scale-pos-weight", type=float,
                            help="class weight of frauds (default: sqrt(negatives / positives) of the training set)")
        parser.add_argument("--min-child-weight", type=float, default=TrainParams.min_child_weight)

    def handle(self, *args, **options) -> None:
        if options["if_missing"] and FraudModel.objects.filter(is_active=True).exists():
            self.stdout.write("train_fraud_model: an active model exists; nothing to do")
            return
        started = time.perf_counter()

        def say(message: str) -> None:
            self.stdout.write(message)
            self.stdout.flush()

        data = options["data"]
        rows = options["rows"]
        if data is None:
            data = real_paysim_path()
            if data is None:
                data = generated_paysim_path(rows=rows or DEFAULT_GENERATED_ROWS, seed=options["seed"], say=say)
                rows = None
        elif not data.is_file():
            raise CommandError(f"no such file: {data}")
        params = TrainParams(
            seed=options["seed"], max_rounds=options["max_rounds"], threads=options["threads"],
            compare_dest_features=not options["no_dest_comparison"],
            scale_pos_weight=options["scale_pos_weight"], min_child_weight=options["min_child_weight"],
        )
        try:
            row = model_train(data=data, rows=rows, params=params, activate=options["activate"], say=say)
        except (DatasetError, ValueError, ModelUnavailable) as exc:
            raise CommandError(f"training failed: {exc}") from exc
        say(json.dumps({"version": row.version, "active": row.is_active, **row.metrics}, indent=2))
        say(f"train_fraud_model: done in {time.perf_counter() - started:.1f} s")
