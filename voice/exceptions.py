"""Voice-payment errors, in the one error shape (see securebank.errors)."""

from __future__ import annotations

from rest_framework import status

from securebank.errors import DomainError

ACCEPTED_AUDIO = (
    "WAV (RIFF) with PCM 8/16/24/32-bit or 32-bit float samples, mono or stereo, 8-48 kHz, at most "
    "15 seconds and 5 MB; 16 kHz mono 16-bit is used as is, anything else is converted."
)


class AudioTooLarge(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "audio_too_large"
    message = "The audio file is larger than 5 MB."


class AudioTooLong(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "audio_too_long"
    message = "The recording is longer than 15 seconds."


class UnsupportedAudio(DomainError):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    code = "unsupported_audio_format"
    message = "Unsupported audio format."

    def __init__(self, message: str | None = None, **extra):
        extra.setdefault("accepted", ACCEPTED_AUDIO)
        super().__init__(message, **extra)


class VoiceModelUnavailable(DomainError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "voice_model_unavailable"
    message = "Speech recognition is not set up on this server (run `manage.py build_voice_model`)."


class ConfirmationInvalid(DomainError):
    code = "confirmation_invalid"
    message = "The confirmation token is not valid. Say or type the command again."


class ConfirmationExpired(DomainError):
    code = "confirmation_expired"
    message = "The confirmation token has expired (tokens last 2 minutes). Say or type the command again."


class ConfirmationUsed(DomainError):
    code = "confirmation_used"
    message = "The confirmation token has already been used."
