"""Voice payments benchmark: parse time per command, and speech recognition on synthesized audio
(decode time per second of audio, word error rate, commands with amount AND payee right).

    DEBUG=1 .venv/bin/python bench/voice.py                 # 100 spoken commands (seed 9), 4 voices
    DEBUG=1 .venv/bin/python bench/voice.py --no-espeak-program   # as on a server without espeak-ng
    DEBUG=1 .venv/bin/python bench/voice.py --rules-only --show   # names by letter-to-sound rules only

Seed 2 is the set the recognizer was tuned on; the default seed 9 was held out.

Needs espeak-ng and sox for the audio part (`apt-get install espeak-ng sox`); builds the voice
model into a temporary directory unless --model-dir points at a built one. Prints a Markdown
table to paste into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "securebank.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from voice.corpus import FIRST_NAMES, SURNAMES, spoken_number  # noqa: E402
from voice.evaluation.commands import COMMANDS  # noqa: E402
from voice.evaluation.commands_hi import HINDI_COMMANDS  # noqa: E402
from voice.parsing import parse_command  # noqa: E402

# Payee names the language model has never seen: they reach it only as the caller's payees.
UNSEEN_NAMES = ["harpreet kaur", "venkatesh", "lalitha", "gurpreet", "tejas", "omkar", "yamini", "mrunal",
                "bhagyashree", "ishita", "chandrasekhar", "hrithik"]
TEMPLATES = [
    ("pay {name} {amount}", "pay"), ("pay {amount} to {name}", "pay"), ("send {amount} rupees to {name}", "pay"),
    ("transfer {amount} to {name}", "pay"), ("please pay {name} {amount} rupees", "pay"),
    ("request {amount} from {name}", "request"), ("ask {name} for {amount}", "request"),
    ("give {name} {amount}", "pay"),
]
AMOUNTS = [50, 120, 200, 250, 300, 450, 500, 750, 800, 999, 1000, 1200, 1500, 2000, 2500, 3000, 4999, 5000, 7500,
           10000, 12500, 25000, 40000, 50000, 100000, 150000]


def bench_parse(repeat: int = 20, corpus: list[dict] | None = None) -> dict:
    """Wall and CPU time per command (CPU time is what the parser costs; wall time also shows
    how busy the machine was). `corpus`: the English corpus unless given."""
    texts = [case["text"] for case in (COMMANDS if corpus is None else corpus)]
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        for text in texts:
            try:
                parse_command(text)
            except Exception:  # noqa: BLE001, S112 - refusals are part of the corpus
                continue
        wall.append((time.perf_counter() - start) / len(texts))
        cpu.append((time.process_time() - start_cpu) / len(texts))
    return {"commands": len(texts), "repeat": repeat, "median_us": statistics.median(wall) * 1e6,
            "cpu_us": statistics.median(cpu) * 1e6, "p_max_us": max(wall) * 1e6}


def spoken_commands(count: int, seed: int) -> list[dict]:
    """`count` commands with their expected amount and payee; a third use unseen names."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        if i % 3 == 2:
            name = rng.choice(UNSEEN_NAMES)
        elif rng.random() < 0.5:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        else:
            name = rng.choice(FIRST_NAMES)
        amount = rng.choice(AMOUNTS)
        template, intent = rng.choice(TEMPLATES)
        text = template.format(name=name, amount=spoken_number(amount, rng))
        out.append({"text": text, "intent": intent, "amount": amount, "payee": name})
    return out


def bench_speech(*, count: int, seed: int, model_dir: Path | None, use_espeak: bool, use_lexicon: bool,
                 work: Path) -> dict:
    from django.test import override_settings

    from voice.audio import clip_from_wav
    from voice.evaluation.synth import synthesize_all, tools_available, word_errors
    from voice.model import voice_model_build, voice_model_current
    from voice.recognizer import transcribe

    if not tools_available():
        return {"skipped": "espeak-ng / sox not installed"}
    target = model_dir or work / "model"
    with override_settings(VOICE_MODEL_DIR=target):
        build_seconds = None
        if voice_model_current() is None or model_dir is None:
            started = time.perf_counter()
            voice_model_build(use_espeak=use_espeak, use_lexicon=use_lexicon)
            build_seconds = time.perf_counter() - started
        commands = spoken_commands(count, seed)
        started = time.perf_counter()
        spoken = synthesize_all([c["text"] for c in commands], work / f"wav-{seed}", seed=seed)
        synth_seconds = time.perf_counter() - started
        # Scenario "contact": the caller's 20 most recent payees (what recent_payees gives)
        # include the person paid; scenario "new payee": 20 others, not them.
        pool = sorted({c["payee"] for c in commands} | {f"{f} {s}" for f in FIRST_NAMES[:40] for s in SURNAMES[:3]})
        rng = random.Random(seed + 100)
        rows, errors, words, audio, decode, decode_cpu = [], 0, 0, 0.0, 0.0, 0.0
        for cmd, item in zip(commands, spoken, strict=True):
            others = rng.sample([p for p in pool if p.split()[0] != cmd["payee"].split()[0]], 20)
            contacts = others[:19]
            contacts.insert(rng.randrange(20), cmd["payee"])
            clip = clip_from_wav(item.path.read_bytes())
            started, started_cpu = time.perf_counter(), time.process_time()
            transcript = transcribe(clip.pcm, names=contacts)
            decode += time.perf_counter() - started
            decode_cpu += time.process_time() - started_cpu
            plain = transcribe(clip.pcm, names=others)
            audio += clip.seconds
            e, n = word_errors(cmd["text"], transcript.text)
            errors, words = errors + e, words + n
            rows.append({"voice": item.voice, "text": cmd["text"], "heard": transcript.text,
                         "heard_plain": plain.text, "right": _right(cmd, transcript.text),
                         "right_plain": _right(cmd, plain.text), "biased": transcript.contact_biased,
                         "unseen": cmd["payee"] in UNSEEN_NAMES, "wer_plain": word_errors(cmd["text"], plain.text)})
    per_voice = {}
    for row in rows:
        total, good = per_voice.get(row["voice"], (0, 0))
        per_voice[row["voice"]] = (total + 1, good + row["right"])
    unseen = [r for r in rows if r["unseen"]]
    seen = [r for r in rows if not r["unseen"]]
    plain_errors = sum(r["wer_plain"][0] for r in rows)
    return {
        "plain_wer": plain_errors / words,
        "plain_seen_accuracy": sum(r["right_plain"] for r in seen) / len(seen),
        "biased": sum(r["biased"] for r in rows),
        "commands": len(rows), "audio_seconds": audio, "decode_seconds": decode,
        "decode_per_audio_second": decode / audio, "decode_cpu_per_audio_second": decode_cpu / audio,
        "wer": errors / words,
        "accuracy": sum(r["right"] for r in rows) / len(rows),
        "unseen_accuracy": sum(r["right"] for r in unseen) / len(unseen) if unseen else None,
        "per_voice": per_voice, "rows": rows, "build_seconds": build_seconds, "synth_seconds": synth_seconds,
    }


def _right(cmd: dict, heard: str) -> bool:
    try:
        intent = parse_command(heard)
    except Exception:  # noqa: BLE001 - a refused transcript is a wrong one
        return False
    return intent.amount == cmd["amount"] and intent.payee is not None and intent.payee.query == cmd["payee"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spoken", type=int, default=100, help="synthesized commands (0: parse benchmark only)")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--model-dir", type=Path, default=None, help="use this built model instead of building one")
    parser.add_argument("--no-espeak-program", action="store_true",
                        help="build as on a server without espeak-ng (names: rules + committed lexicon)")
    parser.add_argument("--rules-only", action="store_true", help="names by letter-to-sound rules only")
    parser.add_argument("--show", action="store_true", help="print every transcript")
    parser.add_argument("--lw", type=float, default=None, help="override the decoder's language weight")
    parser.add_argument("--opt", action="append", default=[], help="extra decoder option, e.g. --opt topn=8")
    args = parser.parse_args()
    from voice import recognizer

    if args.lw is not None:
        recognizer.LANGUAGE_WEIGHT = args.lw
    for option in args.opt:
        key, _, value = option.partition("=")
        recognizer.DECODER_OPTIONS[key] = float(value) if "." in value or "e-" in value else int(value)

    print("| measure | value |\n|---|---|")
    for label, corpus in (("English", COMMANDS), ("Hindi/Hinglish", HINDI_COMMANDS)):
        parse = bench_parse(corpus=corpus)
        print(f"| parse time per {label} command (median of {parse['repeat']} runs over {parse['commands']} "
              f"commands) | {parse['cpu_us']:.0f} µs CPU; {parse['median_us']:.0f} µs wall "
              f"(worst run {parse['p_max_us']:.0f} µs) |")
    if args.spoken <= 0:
        return
    with tempfile.TemporaryDirectory(prefix="sb-voice-bench-") as tmp:
        speech = bench_speech(count=args.spoken, seed=args.seed, model_dir=args.model_dir,
                              use_espeak=not (args.no_espeak_program or args.rules_only),
                              use_lexicon=not args.rules_only, work=Path(tmp))
    if "skipped" in speech:
        print(f"| speech | skipped: {speech['skipped']} |")
        return
    if speech["build_seconds"] is not None:
        print(f"| build_voice_model | {speech['build_seconds']:.1f} s |")
    print(f"| decode time per second of audio (caller's contacts loaded, n-best of 10) "
          f"| {speech['decode_cpu_per_audio_second']:.3f} s CPU; {speech['decode_per_audio_second']:.3f} s wall "
          f"({speech['decode_seconds']:.1f} s for {speech['audio_seconds']:.1f} s of audio) |")
    print(f"| word error rate, payee among the caller's 20 contacts | {speech['wer']:.1%} |")
    print(f"| amount and payee both right, payee among the caller's 20 contacts | {speech['accuracy']:.1%} of "
          f"{speech['commands']} commands ({speech['biased']} picked from the n-best by contact biasing) |")
    if speech["unseen_accuracy"] is not None:
        print(f"| ... where the name is unknown to the model (it joins through the contact list) "
              f"| {speech['unseen_accuracy']:.1%} |")
    print(f"| word error rate, payee not a contact | {speech['plain_wer']:.1%} |")
    print(f"| amount and payee both right, payee not a contact (names the model knows) "
          f"| {speech['plain_seen_accuracy']:.1%} |")
    for voice, (total, good) in sorted(speech["per_voice"].items()):
        print(f"| voice {voice} | {good}/{total} right |")
    if args.show:
        for row in speech["rows"]:
            mark = ("ok " if row["right"] else "BAD") + ("*" if row["biased"] else " ")
            print(f"{mark} {row['voice']:12} {row['text']!r:55} -> {row['heard']!r} / plain {row['heard_plain']!r}")


if __name__ == "__main__":
    main()
