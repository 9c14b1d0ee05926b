from django.apps import AppConfig


class VoiceConfig(AppConfig):
    name = "voice"
    verbose_name = "Voice payments"

    def ready(self) -> None:
        from securebank.health import register_check
        from voice.selectors import voice_model_health

        register_check("voice_model", voice_model_health)
