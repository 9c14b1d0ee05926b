from django.apps import AppConfig


class ClassicConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "classic"
    verbose_name = "Classic web app contract"
