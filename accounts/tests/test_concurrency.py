"""Races with real threads and real row locks (PostgreSQL): one refresh token rotates once, and
simultaneous registrations of one identity give one customer and clean 400s."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services
from accounts.exceptions import RefreshRejected
from accounts.models import User
from accounts.tests.factories import PASSWORD, make_user
from ledger.models import Account

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def race(work, n: int = THREADS) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_a_refresh_token_rotates_exactly_once_under_concurrency():
    alice = make_user("alice")
    refresh = str(RefreshToken.for_user(alice))

    results = race(lambda i: services.token_refresh(refresh=refresh))
    winners = [r for r in results if isinstance(r, services.TokenPair)]
    losers = [r for r in results if isinstance(r, RefreshRejected)]
    assert len(winners) == 1, results
    assert len(losers) == THREADS - 1, results


def test_the_same_refresh_over_http_concurrently():
    alice = make_user("alice")
    refresh = str(RefreshToken.for_user(alice))

    def call(i: int) -> int:
        return APIClient().post("/api/auth/refresh", {"refresh": refresh}, format="json").status_code

    assert Counter(race(call)) == Counter({200: 1, 401: THREADS - 1})


def test_simultaneous_registrations_of_one_identity():
    def register(i: int):
        client = APIClient()
        body = {"username": "alice" if i % 2 else "ALICE", "email": f"alice{i}@example.in", "password": PASSWORD}
        if i % 3 == 0:
            body = {"username": f"alice{i}", "email": "shared@example.in", "password": PASSWORD}
        return client.post("/api/auth/register", body, format="json")

    responses = race(register)
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {201, 400}, [(r.status_code, r.content[:200]) for r in responses]
    # One "alice" and one "shared@" email owner at most; every user has exactly one account.
    assert User.objects.filter(username="alice").count() == 1
    assert User.objects.filter(email="shared@example.in").count() == 1
    assert statuses[201] == User.objects.count() == Account.objects.filter(is_primary=True).count()
    for r in responses:
        if r.status_code == 400:
            assert r.json()["error"]["code"] == "validation_error"
            assert set(r.json()["error"]["fields"]) & {"username", "email"}
