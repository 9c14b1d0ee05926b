"""build_voice_model: files, vocabulary, slots, --if-missing, atomic replacement."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from voice.model import SLOTS, voice_model_build, voice_model_current


@pytest.fixture
def small_model(tmp_path, settings):
    settings.VOICE_MODEL_DIR = tmp_path / "voice"
    return voice_model_build(sentences=2000, use_espeak=False)


def test_build_writes_a_complete_model(small_model):
    directory = small_model.directory
    assert {p.name for p in directory.iterdir() if not p.name.startswith(".")} == {
        "voice.arpa", "voice.lm.bin", "voice.dict", "meta.json"}
    vocabulary = small_model.vocabulary
    assert {"lakh", "crore", "rupees", "pay", "request", "balance", "priya", "sharma"} <= vocabulary
    assert set(SLOTS) <= vocabulary  # name slots are in the language model...
    words_in_dict = {line.split()[0].split("(")[0] for line in small_model.dict_path.read_text().splitlines()}
    assert not set(SLOTS) & words_in_dict  # ...but have no pronunciation until a caller fills them
    assert "lakh L AA K" in small_model.dict_path.read_text()
    assert json.loads((directory / "meta.json").read_text())["sentences"] == 2000


def test_build_is_deterministic_for_a_seed(tmp_path, settings):
    settings.VOICE_MODEL_DIR = tmp_path / "a"
    first = voice_model_build(sentences=1500, use_espeak=False).directory / "voice.arpa"
    settings.VOICE_MODEL_DIR = tmp_path / "b"
    second = voice_model_build(sentences=1500, use_espeak=False).directory / "voice.arpa"
    assert first.read_text() == second.read_text()


def test_command_if_missing_does_nothing_when_built(small_model, capsys):
    before = small_model.build_id
    call_command("build_voice_model", "--if-missing")
    assert voice_model_current().build_id == before
    assert "present" in capsys.readouterr().out


def test_command_builds_when_missing(tmp_path, settings, capsys):
    settings.VOICE_MODEL_DIR = tmp_path / "fresh"
    assert voice_model_current() is None
    call_command("build_voice_model", "--if-missing", "--sentences", "1500", "--no-espeak")
    assert voice_model_current() is not None
    assert "ready" in capsys.readouterr().out


def test_command_refuses_a_tiny_corpus(tmp_path, settings):
    from django.core.management.base import CommandError

    settings.VOICE_MODEL_DIR = tmp_path / "x"
    with pytest.raises(CommandError):
        call_command("build_voice_model", "--sentences", "10")


def test_a_model_of_another_format_is_not_used(small_model):
    meta = small_model.directory / "meta.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "format": 0}))
    assert voice_model_current() is None


def test_bootstrap_builds_the_model(settings, tmp_path):
    from securebank.management.commands.bootstrap import BOOTSTRAP_STEPS

    assert ("build_voice_model", ["--if-missing"]) in BOOTSTRAP_STEPS


def test_health_check_reports_the_model(small_model, settings, tmp_path):
    from voice.selectors import voice_model_health

    assert voice_model_health()[0] == "ok"
    settings.VOICE_MODEL_DIR = tmp_path / "none"
    status, detail = voice_model_health()
    assert status == "degraded" and "build_voice_model" in detail
