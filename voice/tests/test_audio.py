"""WAV reading and conversion to 16 kHz mono 16-bit; limits and refusals."""

from __future__ import annotations

import io
import struct
import wave

import numpy as np
import pytest

from voice.audio import clip_from_wav
from voice.exceptions import AudioTooLarge, AudioTooLong, UnsupportedAudio


def tone(rate: int, seconds: float, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return 0.5 * np.sin(2 * np.pi * freq * t)


def wav_bytes(samples: np.ndarray, *, rate: int, channels: int = 1, bits: int = 16, tag: int = 1) -> bytes:
    """A RIFF/WAVE file written by hand, so that float and 24-bit can be made too."""
    if channels == 2:
        samples = np.stack([samples, samples * 0.5], axis=1).reshape(-1)
    if tag == 3:
        body = samples.astype("<f4").tobytes()
        bits = 32
    elif bits == 8:
        body = np.clip(np.round(samples * 127 + 128), 0, 255).astype(np.uint8).tobytes()
    elif bits == 16:
        body = np.round(samples * 32767).astype("<i2").tobytes()
    elif bits == 24:
        ints = np.round(samples * (2**23 - 1)).astype(np.int32)
        body = b"".join(struct.pack("<i", int(v))[:3] for v in ints)
    else:
        body = np.round(samples * (2**31 - 1)).astype("<i4").tobytes()
    align = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def dominant_hz(pcm: bytes, rate: int = 16000) -> float:
    x = np.frombuffer(pcm, dtype="<i2").astype(float)
    spectrum = np.abs(np.fft.rfft(x))
    return float(np.argmax(spectrum) * rate / len(x))


def test_16k_mono_16bit_is_used_as_is():
    data = wav_bytes(tone(16000, 1.0), rate=16000)
    clip = clip_from_wav(data)
    assert not clip.converted and clip.seconds == pytest.approx(1.0)
    assert clip.pcm == data[44:]


def test_matches_the_standard_library_reader():
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.round(tone(16000, 0.5) * 32767).astype("<i2").tobytes())
    clip = clip_from_wav(buf.getvalue())
    with wave.open(io.BytesIO(buf.getvalue())) as w:
        assert clip.pcm == w.readframes(w.getnframes())


@pytest.mark.parametrize(
    ("rate", "channels", "bits", "tag"),
    [(44100, 2, 16, 1), (48000, 1, 16, 1), (8000, 1, 16, 1), (22050, 1, 8, 1), (16000, 1, 24, 1),
     (32000, 2, 32, 1), (44100, 1, 32, 3), (11025, 2, 16, 1)],
)
def test_other_formats_are_converted_keeping_pitch_and_length(rate, channels, bits, tag):
    clip = clip_from_wav(wav_bytes(tone(rate, 1.5), rate=rate, channels=channels, bits=bits, tag=tag))
    assert clip.converted
    assert clip.seconds == pytest.approx(1.5, abs=0.01)
    assert len(clip.pcm) == pytest.approx(2 * 16000 * 1.5, abs=4)
    assert dominant_hz(clip.pcm) == pytest.approx(440, abs=2)
    level = np.abs(np.frombuffer(clip.pcm, dtype="<i2")).max() / 32767
    expected = 0.375 if channels == 2 else 0.5  # stereo: the two channels averaged
    assert level == pytest.approx(expected, abs=0.03)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"ID3\x03\x00" + b"\x00" * 100, "not a WAV"),
        (b"OggS" + b"\x00" * 100, "not a WAV"),
        (wav_bytes(tone(16000, 0.2), rate=16000, tag=2), "not supported"),  # ADPCM
        (wav_bytes(tone(96000, 0.2), rate=96000), "96000 Hz"),
        (wav_bytes(tone(16000, 0.2), rate=16000, bits=16)[:30], "no format or no data"),
        (b"RIFF\x04\x00\x00\x00WAVE", "no format"),
        (b"RIFF\x20\x00\x00\x00WAVEfmt \x08\x00\x00\x00" + b"\x01\x00" * 4 + b"data\x04\x00\x00\x00\x00\x00\x00\x00",
         "truncated"),
    ],
)
def test_unsupported_audio_is_415_with_what_is_accepted(data, fragment):
    with pytest.raises(UnsupportedAudio) as caught:
        clip_from_wav(data)
    assert caught.value.status_code == 415
    assert fragment in caught.value.message
    assert "16 kHz mono 16-bit" in caught.value.as_body()["error"]["accepted"]


def test_six_channels_are_refused():
    samples = np.zeros(16000 * 6)
    fmt = struct.pack("<HHIIHH", 1, 6, 16000, 16000 * 12, 12, 16)
    body = samples.astype("<i2").tobytes()
    data = b"RIFF" + struct.pack("<I", 36 + len(body)) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
    data += b"data" + struct.pack("<I", len(body)) + body
    with pytest.raises(UnsupportedAudio):
        clip_from_wav(data)


def test_longer_than_15_seconds_is_413():
    with pytest.raises(AudioTooLong) as caught:
        clip_from_wav(wav_bytes(np.zeros(16000 * 16), rate=16000))
    assert caught.value.status_code == 413
    clip_from_wav(wav_bytes(np.zeros(16000 * 15), rate=16000))  # exactly 15 s is fine


def test_larger_than_5_mb_is_413():
    with pytest.raises(AudioTooLarge):
        clip_from_wav(b"RIFF" + b"\x00" * (5 * 1024 * 1024))
