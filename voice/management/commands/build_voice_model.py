"""Build the offline speech model (trigram language model + dictionary) into VOICE_MODEL_DIR."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from voice.model import model_dir, voice_model_build, voice_model_current


class Command(BaseCommand):
    help = "Build the voice-payments language model and dictionary (offline; no downloads)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--if-missing", action="store_true", help="do nothing when a model is already built")
        parser.add_argument("--sentences", type=int, default=30000, help="generated commands in the corpus")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--no-espeak", action="store_true",
                            help="do not run the espeak-ng program (names keep the committed lexicon's readings)")
        parser.add_argument("--rules-only", action="store_true",
                            help="names get letter-to-sound rules only: no espeak-ng, no lexicon")

    def handle(self, *args, **options) -> None:
        if options["if_missing"] and voice_model_current() is not None:
            self.stdout.write(f"voice model present in {model_dir()}")
            return
        if options["sentences"] < 1000:
            raise CommandError("--sentences must be at least 1000")
        try:
            model = voice_model_build(
                sentences=options["sentences"], seed=options["seed"], use_espeak=not (options["no_espeak"] or options["rules_only"]),
                use_lexicon=not options["rules_only"],
                progress=lambda line: self.stdout.write(f"  {line}"),
            )
        except (OSError, RuntimeError) as exc:
            raise CommandError(f"could not build the voice model: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"voice model {model.build_id} ready in {model.directory}"))
