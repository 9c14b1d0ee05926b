"""POST /api/speech/process with a recorded command (multipart WAV), then execute it."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ledger.models import Account
from voice.evaluation.synth import synthesize, tools_available
from voice.tests.factories import make_contact, make_user
from voice.tests.test_audio import tone, wav_bytes

pytestmark = pytest.mark.django_db
PROCESS, EXECUTE = "/api/speech/process", "/api/speech/execute"
needs_tools = pytest.mark.skipif(not tools_available(), reason="needs espeak-ng and sox")


@pytest.fixture
def alice(db):
    alice = make_user("alice", full_name="Alice Rao")
    make_contact(alice, make_user("rsharma", full_name="Rahul Sharma"))
    make_contact(alice, make_user("tbhosale", full_name="Tanmay Bhosale"))
    return alice


@pytest.fixture
def client(alice, auth_client):
    return auth_client(alice)


def upload(client, data: bytes, name: str = "command.wav"):
    return client.post(PROCESS, {"audio": SimpleUploadedFile(name, data, content_type="audio/wav")}, format="multipart")


@pytest.mark.slow
@needs_tools
def test_spoken_command_to_payment(client, alice, voice_model, tmp_path):
    wav = synthesize("pay tanmay bhosale five hundred rupees", voice="en-us", out=tmp_path / "c.wav")
    res = upload(client, wav.read_bytes())
    assert res.status_code == 200, res.json()
    body = res.json()
    assert body["source"] == "audio" and body["transcript"] == "pay tanmay bhosale five hundred rupees"
    assert body["intent"] == "pay" and body["amount"] == "500.00"
    assert body["payee"]["match"]["username"] == "tbhosale" and body["payee"]["match"]["matched_by"] == "contact_name"
    assert body["recognition"]["converted_from"] is None and 1 < body["recognition"]["seconds"] < 5
    res = client.post(EXECUTE, {"confirmation_token": body["confirmation_token"]}, format="json")
    assert res.status_code == 201 and res.json()["transaction"]["kind"] == "voice_payment"
    assert Account.objects.get(owner__username="tbhosale").balance == Decimal("10501.00")


@pytest.mark.slow
@needs_tools
def test_stereo_44k_recording_is_converted(client, voice_model, tmp_path):
    # (en-us: the en-gb voice's "balance" is heard as "bhat lunch" — see docs/voice.md)
    wav = synthesize("what is my balance", voice="en-us", out=tmp_path / "c.wav")
    stereo = tmp_path / "stereo.wav"
    subprocess.run(["sox", "-R", str(wav), "-r", "44100", "-c", "2", str(stereo)], check=True)
    body = upload(client, stereo.read_bytes()).json()
    assert body["recognition"]["converted_from"] == "wav pcm16 44100 Hz stereo"
    assert body["intent"] == "balance", body["transcript"]
    assert body["balance"]["balance"] == "9998.00"


def test_longer_than_15_seconds_is_413(client):
    res = upload(client, wav_bytes(np.zeros(16000 * 16), rate=16000))
    assert res.status_code == 413 and res.json()["error"]["code"] == "audio_too_long"


@pytest.mark.parametrize("size", [5 * 1024 * 1024 + 10, 7 * 1024 * 1024])
def test_larger_than_5_mb_is_413(client, size):
    res = upload(client, b"RIFF" + b"\0" * (size - 4))
    assert res.status_code == 413 and res.json()["error"]["code"] == "audio_too_large"


@pytest.mark.parametrize("data", [b"ID3\x04" + b"\0" * 2000, b"fLaC" + b"\0" * 2000, b"just text"])
def test_other_formats_are_415_with_what_is_accepted(client, data):
    res = upload(client, data, name="command.mp3")
    assert res.status_code == 415
    error = res.json()["error"]
    assert error["code"] == "unsupported_audio_format" and "WAV" in error["accepted"]


def test_without_a_built_model_audio_is_503(client, settings, tmp_path):
    settings.VOICE_MODEL_DIR = tmp_path / "nothing-here"
    res = upload(client, wav_bytes(tone(16000, 1.0), rate=16000))
    assert res.status_code == 503 and res.json()["error"]["code"] == "voice_model_unavailable"
    # typed commands still work
    assert client.post(PROCESS, {"text": "what's my balance"}, format="json").status_code == 200


def test_text_and_audio_together_are_400(client):
    res = client.post(PROCESS, {"text": "pay rahul 5", "audio": SimpleUploadedFile("a.wav", b"RIFF")}, format="multipart")
    assert res.status_code == 400
