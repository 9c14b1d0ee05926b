"""Offline speech recognition on synthesized speech: >= 30 commands, 4 espeak-ng voices, faint
noise. Amount and payee must both come out right in >= 80% of commands; word error rate and
command accuracy are printed (figures for docs/voice.md come from bench/voice.py)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from voice.audio import clip_from_wav
from voice.evaluation.synth import VOICES, synthesize, synthesize_all, tools_available, word_errors
from voice.parsing import parse_command
from voice.recognizer import _thread_decoder, transcribe

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not tools_available(), reason="needs espeak-ng and sox (apt-get install espeak-ng sox)"),
]

# The caller's contacts (what recent_payees would give); the last four names are unknown to
# the language model and reach it only through this list.
CONTACTS = ["rahul sharma", "priya nair", "amit kumar", "neha gupta", "vikram singh", "anjali mehta",
            "suresh reddy", "kavya iyer", "deepak joshi", "pooja patel", "nandini", "raghav", "tanmay bhosale",
            "lalitha"]
# (spoken text, amount, payee as said)
SPOKEN = [
    ("pay rahul sharma five hundred rupees", 500, "rahul sharma"),
    ("send two thousand to priya nair", 2000, "priya nair"),
    ("transfer fifteen hundred to amit kumar", 1500, "amit kumar"),
    ("request seven hundred fifty from neha gupta", 750, "neha gupta"),
    ("ask vikram singh for three thousand", 3000, "vikram singh"),
    ("pay anjali mehta one thousand two hundred", 1200, "anjali mehta"),
    ("give suresh reddy four hundred", 400, "suresh reddy"),
    ("send kavya iyer twenty five hundred rupees", 2500, "kavya iyer"),
    ("pay deepak joshi sixty thousand", 60000, "deepak joshi"),
    ("request one lakh from pooja patel", 100000, "pooja patel"),
    ("pay nandini eight hundred", 800, "nandini"),
    ("send three hundred fifty rupees to raghav", 350, "raghav"),
    ("pay tanmay bhosale nine thousand", 9000, "tanmay bhosale"),
    ("ask lalitha for two hundred", 200, "lalitha"),
    ("pay rahul two hundred and fifty", 250, "rahul"),
    ("send priya one thousand", 1000, "priya"),
    ("transfer five thousand rupees to neha", 5000, "neha"),
    ("please pay amit three hundred", 300, "amit"),
    ("request twelve hundred from kavya", 1200, "kavya"),
    ("pay vikram forty five thousand", 45000, "vikram"),
    ("send one and a half lakh to anjali", 150000, "anjali"),
    ("give deepak ninety nine rupees", 99, "deepak"),
    ("pay pooja patel seven thousand five hundred", 7500, "pooja patel"),
    ("request eight thousand from suresh", 8000, "suresh"),
    ("pay raghav one thousand five hundred", 1500, "raghav"),
    ("send six hundred to nandini", 600, "nandini"),
    ("ask tanmay bhosale for twenty thousand", 20000, "tanmay bhosale"),
    ("pay lalitha two thousand five hundred", 2500, "lalitha"),
    ("transfer ten thousand to rahul sharma", 10000, "rahul sharma"),
    ("please send amit kumar four thousand rupees", 4000, "amit kumar"),
    ("pay neha gupta one hundred fifty", 150, "neha gupta"),
    ("request two lakh from vikram singh", 200000, "vikram singh"),
]


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    return synthesize_all([text for text, _, _ in SPOKEN], tmp_path_factory.mktemp("spoken"), seed=11)


def right(heard: str, amount: int, payee: str) -> bool:
    try:
        intent = parse_command(heard)
    except Exception:  # noqa: BLE001 - a refused transcript is a wrong one
        return False
    return intent.amount == Decimal(amount) and intent.payee is not None and intent.payee.query == payee


def test_amount_and_payee_right_in_at_least_80_percent(voice_model, spoken, capsys):
    assert len(SPOKEN) >= 30 and len({s.voice for s in spoken}) >= 3
    errors = words = good = 0
    failures = []
    for (text, amount, payee), item in zip(SPOKEN, spoken, strict=True):
        heard = transcribe(clip_from_wav(item.path.read_bytes()).pcm, names=CONTACTS).text
        e, n = word_errors(text, heard)
        errors, words = errors + e, words + n
        if right(heard, amount, payee):
            good += 1
        else:
            failures.append(f"{item.voice}: {text!r} -> {heard!r}")
    accuracy, wer = good / len(SPOKEN), errors / words
    with capsys.disabled():
        print(f"\nvoice recognition: {good}/{len(SPOKEN)} commands right ({accuracy:.1%}), word error rate {wer:.1%}")
        for failure in failures:
            print(f"  wrong: {failure}")
    assert accuracy >= 0.80, failures


def test_unknown_names_join_the_vocabulary_only_through_the_payee_list(voice_model, spoken):
    index = next(i for i, (text, _, _) in enumerate(SPOKEN) if text == "pay tanmay bhosale nine thousand")
    pcm = clip_from_wav(spoken[index].path.read_bytes()).pcm
    without = transcribe(pcm, names=[])
    assert "tanmay" not in without.text and "bhosale" not in without.text
    with_payees = transcribe(pcm, names=["tanmay bhosale"])
    assert with_payees.text == "pay tanmay bhosale nine thousand"
    assert set(with_payees.names_added) == {"tanmay", "bhosale"}
    # the slots are emptied for the next caller, who has no such payee
    assert "bhosale" not in transcribe(pcm, names=["priya"]).text


def test_one_decoder_per_thread(voice_model, spoken):
    pcm = clip_from_wav(spoken[0].path.read_bytes()).pcm
    decoders, texts = {}, {}

    def work(name: str) -> None:
        decoders[name] = _thread_decoder().decoder  # the object, not its id: a finished thread's
        # decoder could be freed and its id reused by the next thread's
        texts[name] = transcribe(pcm, names=CONTACTS).text

    threads = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(decoder) for decoder in decoders.values()}) == 3
    assert set(texts.values()) == {"pay rahul sharma five hundred rupees"}
    # and a thread keeps its decoder between requests
    first = id(_thread_decoder().decoder)
    transcribe(pcm)
    assert id(_thread_decoder().decoder) == first


def test_digitally_silent_audio_still_decodes(voice_model, tmp_path, capsys):
    """Synthesized or noise-suppressed audio has exact-zero silence, which pocketsphinx's noise
    tracking misreads; the recognizer dithers it (voice.recognizer.DITHER)."""
    subset = SPOKEN[::2]
    good = 0
    for i, (text, amount, payee) in enumerate(subset):
        path = synthesize(text, voice=VOICES[i % len(VOICES)], out=tmp_path / f"{i}.wav", noise=0)
        good += right(transcribe(clip_from_wav(path.read_bytes()).pcm, names=CONTACTS).text, amount, payee)
    with capsys.disabled():
        print(f"\nvoice recognition, no background noise at all: {good}/{len(subset)} right")
    assert good / len(subset) >= 0.7
