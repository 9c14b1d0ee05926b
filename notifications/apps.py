from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from accounts.signals import pin_locked
        from notifications.handlers import on_pin_locked

        pin_locked.connect(on_pin_locked, dispatch_uid="notifications.pin_locked")
