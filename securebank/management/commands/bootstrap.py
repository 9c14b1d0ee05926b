"""First-run set-up that `make run` does before serving: each step is idempotent and fast when
there is nothing to do (a model already trained, a language model already built)."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

# (command, args): each app adds its own step here.
BOOTSTRAP_STEPS: list[tuple[str, list[str]]] = [
    ("build_voice_model", ["--if-missing"]),
    # fraud: a starter model on 1M generated PaySim rows when none is active (~1-2 min, with progress)
    ("train_fraud_model", ["--if-missing", "--activate"]),
]


class Command(BaseCommand):
    help = "Prepare a fresh installation (run by `make run` after migrate)."

    def handle(self, *args, **options) -> None:
        for name, step_args in BOOTSTRAP_STEPS:
            self.stdout.write(f"bootstrap: {name} {' '.join(step_args)}")
            call_command(name, *step_args)
        self.stdout.write("bootstrap: done")
