"""Signal receivers: facts of the layers below (accounts) -> stored notifications. Connected in
NotificationsConfig.ready, so the sender never imports this app. Thin: they only hand on."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from notifications.services import notification_send


def on_pin_locked(sender: Any, *, user_id: int, failed_attempts: int, locked_until: str, **kwargs: Any) -> None:
    """`accounts.signals.pin_locked` (inside the lock's transaction) -> the customer's
    notification, stored in that transaction and pushed after its commit."""
    notification_send(
        user_id=user_id, event="notification",
        data={"kind": "pin.locked", "locked_until": locked_until},
        title="UPI PIN locked",
        message=f"{failed_attempts} incorrect UPI PINs: payments are locked for "
        f"{settings.PIN_LOCK_HOURS} hours. If this was not you, reset your PIN and change your password.",
    )
