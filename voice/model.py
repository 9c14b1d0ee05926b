"""The offline speech model: a trigram language model of payment commands and its dictionary.

    voice_model_build()   -> writes VOICE_MODEL_DIR/{voice.lm.bin, voice.dict, meta.json}
    voice_model_current() -> the built model's files and facts, or None

Nothing is downloaded: the acoustic model ships inside the pocketsphinx wheel, the language
model is counted from `voice.corpus` by `voice.arpa`, and pronunciations come from
`voice.pronounce`. Contact slots (`payeeslot0` ...) are names in the corpus whose
pronunciation is filled in per caller with the caller's own payees: their names join the
vocabulary without rebuilding the model, and, because most payments go to someone already
paid, the corpus gives them half of all name occurrences (see `voice.recognizer`).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from voice.arpa import arpa_text, trigram_model
from voice.corpus import command_corpus, default_names
from voice.pronounce import pronunciations

FORMAT_VERSION = 2
CONTACT_SLOTS = 20  # the caller's most recent contacts that get slots
CONTACT_SHARE = 0.5  # share of name occurrences in the corpus that are contact slots
SLOTS = [f"payeeslot{i}" for i in range(2 * CONTACT_SLOTS)]  # (given name, surname) per contact
_SLOT_RE = re.compile(r"^payeeslot\d+$")


@dataclass(frozen=True)
class VoiceModel:
    directory: Path
    lm_path: Path
    dict_path: Path
    meta: dict[str, Any]

    @property
    def build_id(self) -> str:
        return str(self.meta.get("build_id", ""))

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self.meta.get("vocabulary", []))


def model_dir() -> Path:
    return Path(settings.VOICE_MODEL_DIR)


def is_slot(word: str) -> bool:
    return bool(_SLOT_RE.match(word))


def _names_with_slots() -> list[str]:
    """Default names, plus each contact slot as a given name alone and as given name + surname,
    repeated so that the slots take CONTACT_SHARE of all name occurrences."""
    names = default_names()
    slot_names = []
    for i in range(CONTACT_SLOTS):
        given, surname = SLOTS[2 * i], SLOTS[2 * i + 1]
        slot_names += [given, f"{given} {surname}"]
    copies = max(1, round(len(names) * CONTACT_SHARE / (1 - CONTACT_SHARE) / len(slot_names)))
    return names + slot_names * copies


def dictionary_lines(words: list[str], *, names: set[str], use_espeak: bool = True, use_lexicon: bool = True) -> list[str]:
    """Sphinx dictionary lines ('word P H O N E S', alternates as 'word(2) ...')."""
    lines = []
    for word in words:
        for i, phones in enumerate(pronunciations(word, name=word in names, use_espeak=use_espeak, use_lexicon=use_lexicon)):
            lines.append(f"{word} {phones}" if i == 0 else f"{word}({i + 1}) {phones}")
    return lines


def voice_model_build(
    *,
    directory: Path | None = None,
    sentences: int = 30000,
    seed: int = 7,
    use_espeak: bool = True,
    use_lexicon: bool = True,
    progress: Callable[[str], None] | None = None,
) -> VoiceModel:
    """Build the language model and dictionary into `directory` (default VOICE_MODEL_DIR).

    Files are written to a temporary directory and moved into place, `meta.json` last, so a
    reader never sees half a model. Safe to re-run; deterministic for a given seed.
    `use_espeak` / `use_lexicon`: where names' espeak-ng readings come from (see voice.pronounce).
    """
    from pocketsphinx import NGramModel

    say = progress or (lambda message: None)
    target = directory or model_dir()
    target.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    names = _names_with_slots()
    say(f"corpus: {sentences} generated commands, {len(names)} names")
    corpus = [line.split() for line in command_corpus(names=names, size=sentences, seed=seed)]
    model = trigram_model(corpus)
    say(f"language model: {len(model.vocab)} words, {len(model.p2)} bigrams, {len(model.p3)} trigrams")

    name_words = {w for name in names for w in name.split()}
    words = [w for w in model.vocab if w not in {"</s>"} and not is_slot(w)]
    lines = dictionary_lines(words, names=name_words, use_espeak=use_espeak, use_lexicon=use_lexicon)
    say(f"dictionary: {len(lines)} pronunciations for {len(words)} words")

    with tempfile.TemporaryDirectory(dir=target, prefix=".build-") as tmp:
        tmp_dir = Path(tmp)
        arpa = tmp_dir / "voice.arpa"
        arpa.write_text(arpa_text(model), encoding="utf-8")
        NGramModel.readfile(str(arpa)).write(str(tmp_dir / "voice.lm.bin"), NGramModel.str_to_type("bin"))
        (tmp_dir / "voice.dict").write_text("\n".join(lines) + "\n", encoding="utf-8")
        build_id = f"{int(time.time())}-{seed}-{sentences}"
        meta = {
            "format": FORMAT_VERSION,
            "build_id": build_id,
            "sentences": sentences,
            "seed": seed,
            "vocabulary": sorted(model.vocab),
            "slots": SLOTS,
            "contact_slots": CONTACT_SLOTS,
            "names": len(names),
            "bigrams": len(model.p2),
            "trigrams": len(model.p3),
            "espeak_program": use_espeak,
            "espeak_lexicon": use_lexicon,
            "seconds": round(time.monotonic() - started, 2),
        }
        (tmp_dir / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        for name in ("voice.arpa", "voice.lm.bin", "voice.dict", "meta.json"):
            os.replace(tmp_dir / name, target / name)
    say(f"built in {time.monotonic() - started:.1f}s into {target}")
    found = voice_model_current(directory=target)
    assert found is not None
    return found


def voice_model_current(*, directory: Path | None = None) -> VoiceModel | None:
    """The built model in `directory` (default VOICE_MODEL_DIR), or None if there is none."""
    target = directory or model_dir()
    meta_path = target / "meta.json"
    lm_path, dict_path = target / "voice.lm.bin", target / "voice.dict"
    if not (meta_path.exists() and lm_path.exists() and dict_path.exists()):
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("format") != FORMAT_VERSION:
        return None
    return VoiceModel(directory=target, lm_path=lm_path, dict_path=dict_path, meta=meta)
