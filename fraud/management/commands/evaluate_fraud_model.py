"""`manage.py evaluate_fraud_model --data PATH [--model VERSION] [--scores-out CSV]`.

Scores a labelled PaySim-format file with a saved model (no training) and prints the metrics
as JSON: how an operator checks a model against new labelled data. Beside the model's metrics:
the decision policy's outcome on the same rows (`policy_decisions`) and the scenario suite's
results with this model (`scenarios`), also summarised on stderr.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fraud.datasets import DatasetError
from fraud.model_services import model_evaluate_file
from fraud.registry import ModelUnavailable
from securebank.errors import DomainError


class Command(BaseCommand):
    help = "Evaluate a saved fraud model on a labelled PaySim-format CSV; print metrics as JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--data", type=Path, required=True)
        parser.add_argument("--model", help="version (default: the active model)")
        parser.add_argument("--rows", type=int, help="only the first N rows")
        parser.add_argument("--scores-out", type=Path, help="write each row's probability to this CSV")

    def handle(self, *args, **options) -> None:
        try:
            report = model_evaluate_file(
                data=options["data"], version=options["model"], rows=options["rows"], scores_out=options["scores_out"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except (DatasetError, ModelUnavailable, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(report, indent=2))
        # Beside the metrics, for a person reading the terminal (stdout stays one JSON document).
        decisions = report["policy_decisions"]
        self.stderr.write(
            f"model {report['model']} on {report['data']}: AUPRC {report['auprc']}; policy "
            f"{decisions['policy']['version']}: {decisions['frauds_held_or_declined']:.2%} of frauds held or declined, "
            f"legitimate held {decisions['legit_held']['population_weighted_rate']:.5%} / declined "
            f"{decisions['legit_declined']['population_weighted_rate']:.5%} (population-weighted)"
        )
        scenarios = report["scenarios"]
        self.stderr.write(f"scenarios: {'PASSED' if scenarios['passed'] else 'FAILED'}  normal {scenarios['normal']}  "
                          f"fraud {scenarios['fraud']}")
        for row in scenarios["results"]:
            mark = "ok " if row["ok"] else "!! "
            self.stderr.write(f"  {mark}{row['kind']:6s} {row['name']:38s} {row['decision']:7s} "
                              f"model {row['model_probability']:.4f}  {', '.join(row['signals']) or '-'}")
