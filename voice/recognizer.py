"""Offline speech-to-text with pocketsphinx: one decoder per thread, created lazily.

    transcribe(clip.pcm, names=["okonkwo adebayo", "priya"]) -> Transcript("pay okonkwo ...")

A pocketsphinx Decoder is not thread-safe and costs ~0.1 s and a few MB to create, so each
worker thread keeps its own (a new one when the model is rebuilt). The caller's payee names
join the vocabulary through the model's contact slots (`payeeslot0` ...): the given name and
surname of each of the caller's most recent contacts are loaded as the pronunciations of a slot
pair in this thread's dictionary for that caller's request (and replaced for the next caller).
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from securebank.errors import DomainError
from voice.exceptions import VoiceModelUnavailable
from voice.model import VoiceModel, dictionary_lines, is_slot, voice_model_current
from voice.parsing import parse_command

LANGUAGE_WEIGHT = 8.0
# Uniform noise of +-32 (about -60 dBFS) added before decoding. A microphone is never digitally
# silent, but synthesized or noise-suppressed audio is, and pocketsphinx's noise tracking then
# misreads it: on 32 clean synthesized commands, 17 were right without it and 26 with it (noisy
# recordings: 29 either way). Seeded, so the same audio always gives the same transcript.
DITHER = 32
DECODER_OPTIONS: dict[str, object] = {}
_local = threading.local()
_WORD_RE = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Transcript:
    text: str
    words: tuple[str, ...]
    seconds: float  # audio length
    names_added: tuple[str, ...] = ()
    contact_biased: bool = False  # an alternative naming a known payee replaced the best guess


class _ThreadDecoder:
    def __init__(self, model: VoiceModel):
        from pocketsphinx import Decoder, get_model_path

        self.model = model
        self.decoder = Decoder(
            hmm=get_model_path("en-us/en-us"),
            lm=str(model.lm_path),
            dict=str(model.dict_path),
            samprate=16000,
            lw=LANGUAGE_WEIGHT,
            loglevel="FATAL",
            **DECODER_OPTIONS,
        )
        self.base_dict = model.dict_path.read_text(encoding="utf-8")
        self.slot_words: dict[str, str] = {}  # slot -> caller's word, as currently loaded
        # Caller names are pronounced the way the model's own names were (with or without espeak-ng).
        self.sources = {"use_espeak": bool(model.meta.get("espeak_program", True)),
                        "use_lexicon": bool(model.meta.get("espeak_lexicon", True))}

    def use_contacts(self, contacts: list[tuple[str, str | None]]) -> dict[str, str]:
        """Fill the slot pairs with (given name, surname) of each contact; empty the rest."""
        slots = [s for s in self.model.meta.get("slots", []) if is_slot(s)]
        wanted: dict[str, str] = {}
        for i, (given, surname) in enumerate(contacts[: len(slots) // 2]):
            wanted[slots[2 * i]] = given
            if surname:
                wanted[slots[2 * i + 1]] = surname
        if wanted == self.slot_words:
            return wanted
        lines = []
        for slot, word in wanted.items():
            for line in dictionary_lines([word], names={word}, **self.sources):
                lines.append(slot + line[len(word):])
        with tempfile.NamedTemporaryFile("w", suffix=".dict", delete=False, encoding="utf-8") as handle:
            handle.write(self.base_dict + "\n".join(lines) + "\n")
            path = Path(handle.name)
        try:
            self.decoder.load_dict(str(path))
        finally:
            path.unlink(missing_ok=True)
        self.slot_words = wanted
        return wanted

    def decode(self, pcm: bytes, *, alternatives: int = 0) -> list[list[str]]:
        """The best hypothesis first, then up to `alternatives` others from the lattice."""
        self.decoder.start_utt()
        self.decoder.process_raw(pcm, no_search=False, full_utt=True)
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        if hyp is None:
            return [[]]
        out = [_words(hyp.hypstr)]
        if alternatives:
            for i, other in enumerate(self.decoder.nbest()):
                if i >= alternatives:
                    break
                words = _words(other.hypstr)
                if words not in out:
                    out.append(words)
        return out


def dithered(pcm: bytes, amplitude: int = DITHER) -> bytes:
    if not amplitude or not pcm:
        return pcm
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(np.int32)
    noise = np.random.default_rng(0).integers(-amplitude, amplitude + 1, size=len(samples))
    return np.clip(samples + noise, -32768, 32767).astype("<i2").tobytes()


def _words(hypstr: str) -> list[str]:
    return [w for w in hypstr.split() if not w.startswith(("<", "["))]


def _thread_decoder() -> _ThreadDecoder:
    model = voice_model_current()
    if model is None:
        raise VoiceModelUnavailable()
    current = getattr(_local, "decoder", None)
    if current is None or current.model.build_id != model.build_id:
        current = _ThreadDecoder(model)
        _local.decoder = current
    return current


def contact_words(names: Sequence[str]) -> list[tuple[str, str | None]]:
    """'Rahul Kumar Sharma' -> ('rahul', 'sharma'); 'priya' -> ('priya', None). In order, once each."""
    out: list[tuple[str, str | None]] = []
    for name in names:
        words = [w for w in _WORD_RE.findall(name.lower()) if len(w) > 1]
        if not words:
            continue
        pair = (words[0], words[-1] if len(words) > 1 else None)
        if pair not in out:
            out.append(pair)
    return out


def _mention_score(words: list[str], names: list[list[str]]) -> int:
    """2: names a payee in full; 1: by a payee's first name only; 0: neither."""
    text = f" {' '.join(words)} "
    if any(len(name) > 1 and f" {' '.join(name)} " in text for name in names):
        return 2
    return 1 if any(f" {name[0]} " in text for name in names) else 0


def _parses(words: list[str]) -> bool:
    try:
        return parse_command(" ".join(words)).kind != "unknown"
    except DomainError:
        return False


def choose_hypothesis(hypotheses: list[list[str]], names: list[list[str]]) -> tuple[list[str], bool]:
    """The best hypothesis, unless a later one is a readable command that names a caller's payee
    more fully (contact biasing). Returns (words, whether an alternative was chosen)."""
    best = hypotheses[0]
    if not names or len(hypotheses) == 1:
        return best, False
    ranked = [(_parses(h), _mention_score(h, names), -i) for i, h in enumerate(hypotheses)]
    top = max(range(len(hypotheses)), key=lambda i: ranked[i])
    if ranked[top][:2] > ranked[0][:2]:
        return hypotheses[top], True
    return best, False


def transcribe(pcm: bytes, *, names: Sequence[str] = (), alternatives: int = 10) -> Transcript:
    """Decode 16 kHz mono 16-bit PCM. `names`: the caller's payee names, most relevant first.

    Contact biasing: among the best hypothesis and the next `alternatives`, a readable command
    that names one of the caller's payees (in full, or else by first name) beats one that does
    not. A payment to a known payee is by far the common case; the confirmation step, always
    required, catches the rest.
    """
    worker = _thread_decoder()
    slots = worker.use_contacts(contact_words(names))
    hypotheses = [
        [w for w in (slots.get(w, w) if is_slot(w) else w for w in words) if not is_slot(w)]
        for words in worker.decode(dithered(pcm), alternatives=alternatives if names else 0)
    ]
    wanted = [n.split() for n in (" ".join(_WORD_RE.findall(name.lower())) for name in names) if n]
    chosen, biased = choose_hypothesis(hypotheses, wanted)
    return Transcript(
        text=" ".join(chosen), words=tuple(chosen), seconds=len(pcm) / 32000,
        names_added=tuple(slots.values()), contact_biased=biased,
    )
