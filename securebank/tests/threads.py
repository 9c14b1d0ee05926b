"""Helpers for tests that need real concurrency (PostgreSQL, one connection per thread)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken


def client_for(user) -> APIClient:
    """An APIClient authenticated with a real JWT access token for `user`."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def run_threads(n: int, target: Callable[[int], None], timeout: float = 300) -> list[BaseException]:
    """Run `target(i)` in `n` threads; return what they raised. Each thread closes its own
    database connection, and a thread still running after `timeout` fails the test."""
    errors: list[BaseException] = []

    def wrapped(i: int) -> None:
        try:
            target(i)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors
