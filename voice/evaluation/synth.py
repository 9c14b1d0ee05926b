"""Test and benchmark helper: spoken commands synthesized with espeak-ng, with faint noise
added by sox (a real microphone is never digitally silent), as 16 kHz mono 16-bit WAV."""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

VOICES = ["en-us", "en-gb", "en-us+f2", "en-gb-x-rp"]


def tools_available() -> bool:
    return bool(shutil.which("espeak-ng") and shutil.which("sox") and shutil.which("soxi"))


@dataclass(frozen=True)
class Spoken:
    text: str
    voice: str
    path: Path


def synthesize(text: str, *, voice: str, out: Path, speed: int = 150, noise: float = 0.01) -> Path:
    """espeak-ng -> resample to 16 kHz mono 16-bit -> mix in white noise at `noise` amplitude
    (0: none, and no dither either: exact-zero silence)."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, clean, hiss = Path(tmp, "raw.wav"), Path(tmp, "clean.wav"), Path(tmp, "noise.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True, capture_output=True)
        # -R everywhere: sox dithers and makes noise from a random seed otherwise (runs would differ)
        dither = [] if noise else ["-D"]
        subprocess.run(["sox", "-R", *dither, str(raw), "-r", "16000", "-c", "1", "-b", "16", str(clean)], check=True,
                       capture_output=True)
        if not noise:
            shutil.move(clean, out)
            return out
        seconds = subprocess.run(["soxi", "-D", str(clean)], check=True, capture_output=True, text=True).stdout.strip()
        subprocess.run(
            ["sox", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", str(hiss), "synth", seconds, "whitenoise", "vol", str(noise)],
            check=True, capture_output=True,
        )
        subprocess.run(["sox", "-R", "-m", str(clean), str(hiss), str(out)], check=True, capture_output=True)
    return out


def synthesize_all(commands: list[str], directory: Path, *, voices: list[str] = VOICES, seed: int = 1) -> list[Spoken]:
    """One WAV per command, voices taken in turn, speed varied a little."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for i, text in enumerate(commands):
        voice = voices[i % len(voices)]
        path = directory / f"{i:03d}.wav"
        if not path.exists():
            synthesize(text, voice=voice, out=path, speed=rng.choice([140, 150, 160]), noise=rng.choice([0.005, 0.01, 0.02]))
        out.append(Spoken(text=text, voice=voice, path=path))
    return out


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance in words, reference length): the numerator and denominator of WER."""
    ref, hyp = reference.split(), hypothesis.split()
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1], len(ref)
