from django.apps import AppConfig


class FraudConfig(AppConfig):
    name = "fraud"
    verbose_name = "Fraud detection"

    def ready(self) -> None:
        from fraud.scoring import model_health
        from securebank.health import register_check

        register_check("fraud_model", model_health)
