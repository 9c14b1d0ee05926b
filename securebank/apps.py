from django.apps import AppConfig


class SecureBankConfig(AppConfig):
    name = "securebank"
    verbose_name = "SecureBank"
