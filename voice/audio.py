"""Uploaded audio -> 16 kHz mono 16-bit PCM, the only input the recognizer takes.

A small RIFF/WAVE reader (Python's `wave` module reads integer PCM only): PCM 8/16/24/32-bit
and IEEE float 32-bit, mono or stereo (channels averaged), any rate from 8 to 48 kHz
(band-limited FFT resampling to 16 kHz). Limits are checked from the header before any
conversion: larger than VOICE_MAX_AUDIO_BYTES or longer than VOICE_MAX_AUDIO_SECONDS -> 413.
Anything else -> 415 with what is accepted.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from voice.exceptions import AudioTooLarge, AudioTooLong, UnsupportedAudio

TARGET_RATE = 16000
_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE


@dataclass(frozen=True)
class Clip:
    pcm: bytes  # 16 kHz mono signed 16-bit little-endian
    seconds: float
    source: str  # e.g. "wav pcm16 44100 Hz stereo"

    @property
    def converted(self) -> bool:
        return self.source != "wav pcm16 16000 Hz mono"


@dataclass(frozen=True)
class _Format:
    tag: int
    channels: int
    rate: int
    bits: int


def _chunks(data: bytes) -> dict[bytes, bytes]:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise UnsupportedAudio("The upload is not a WAV (RIFF/WAVE) file.")
    chunks: dict[bytes, bytes] = {}
    pos = 12
    while pos + 8 <= len(data):
        chunk_id, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        chunks.setdefault(chunk_id, body)
        pos += 8 + size + (size & 1)  # chunks are word-aligned
    if b"fmt " not in chunks or b"data" not in chunks:
        raise UnsupportedAudio("The WAV file has no format or no data chunk.")
    return chunks


def _format(fmt: bytes) -> _Format:
    if len(fmt) < 16:
        raise UnsupportedAudio("The WAV format chunk is truncated.")
    tag, channels, rate, _byte_rate, _align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == _EXTENSIBLE and len(fmt) >= 26:
        tag = struct.unpack("<H", fmt[24:26])[0]  # first two bytes of the sub-format GUID
    return _Format(tag=tag, channels=channels, rate=rate, bits=bits)


def _samples(body: bytes, fmt: _Format) -> np.ndarray:
    """Interleaved samples as float64 in [-1, 1]."""
    if fmt.tag == _FLOAT and fmt.bits == 32:
        return np.frombuffer(body[: len(body) // 4 * 4], dtype="<f4").astype(np.float64)
    if fmt.tag != _PCM:
        raise UnsupportedAudio(f"WAV encoding {fmt.tag} is not supported (compressed audio).")
    if fmt.bits == 8:
        return (np.frombuffer(body, dtype=np.uint8).astype(np.float64) - 128) / 128
    if fmt.bits == 16:
        return np.frombuffer(body[: len(body) // 2 * 2], dtype="<i2").astype(np.float64) / 32768
    if fmt.bits == 24:
        raw = np.frombuffer(body[: len(body) // 3 * 3], dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        values = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)
        values = np.where(values >= 1 << 23, values - (1 << 24), values)
        return values.astype(np.float64) / (1 << 23)
    if fmt.bits == 32:
        return np.frombuffer(body[: len(body) // 4 * 4], dtype="<i4").astype(np.float64) / (1 << 31)
    raise UnsupportedAudio(f"{fmt.bits}-bit samples are not supported.")


def _resample(signal: np.ndarray, rate: int) -> np.ndarray:
    """Band-limited resampling to 16 kHz through the FFT (exact for the clip lengths we take)."""
    if rate == TARGET_RATE or len(signal) == 0:
        return signal
    n_out = max(1, round(len(signal) * TARGET_RATE / rate))
    spectrum = np.fft.rfft(signal)
    keep = n_out // 2 + 1
    if keep <= len(spectrum):
        spectrum = spectrum[:keep]
    else:
        spectrum = np.concatenate([spectrum, np.zeros(keep - len(spectrum), dtype=spectrum.dtype)])
    return np.fft.irfft(spectrum, n=n_out) * (n_out / len(signal))


def clip_from_wav(data: bytes) -> Clip:
    """Validate and convert one uploaded WAV file. Raises AudioTooLarge / AudioTooLong (413)
    or UnsupportedAudio (415)."""
    if len(data) > settings.VOICE_MAX_AUDIO_BYTES:
        raise AudioTooLarge()
    chunks = _chunks(data)
    fmt = _format(chunks[b"fmt "])
    if fmt.channels not in (1, 2):
        raise UnsupportedAudio(f"{fmt.channels} channels are not supported (mono or stereo only).")
    if not 8000 <= fmt.rate <= 48000:
        raise UnsupportedAudio(f"A sample rate of {fmt.rate} Hz is not supported (8-48 kHz).")
    if fmt.bits not in (8, 16, 24, 32):
        raise UnsupportedAudio(f"{fmt.bits}-bit samples are not supported.")
    body = chunks[b"data"]
    frame_bytes = fmt.channels * fmt.bits // 8
    seconds = len(body) / frame_bytes / fmt.rate
    if seconds > settings.VOICE_MAX_AUDIO_SECONDS:
        raise AudioTooLong()
    kind = "float32" if fmt.tag == _FLOAT else f"pcm{fmt.bits}"
    source = f"wav {kind} {fmt.rate} Hz {'mono' if fmt.channels == 1 else 'stereo'}"
    if fmt.tag == _PCM and fmt.bits == 16 and fmt.channels == 1 and fmt.rate == TARGET_RATE:
        return Clip(pcm=body[: len(body) // 2 * 2], seconds=seconds, source=source)
    samples = _samples(body, fmt)
    if fmt.channels == 2:
        samples = samples[: len(samples) // 2 * 2].reshape(-1, 2).mean(axis=1)
    samples = _resample(samples, fmt.rate)
    pcm = np.clip(np.round(samples * 32767), -32768, 32767).astype("<i2").tobytes()
    return Clip(pcm=pcm, seconds=seconds, source=source)
