"""The pool check of `securebank.pgpool`: a connection is pinged before it is handed out only
when it may be dead (never checked out, idle past the threshold, or its socket readable because
the server closed it), and a connection the server terminated is never handed to a request."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection
from psycopg_pool import ConnectionPool

from securebank.liveserver import database_url
from securebank.pgpool.base import DatabaseWrapper, StaleCheck

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def pings(monkeypatch):
    """Every ping the check sends (the pool's own round-trip check, counted, still run)."""
    sent: list[int] = []
    real = ConnectionPool.check_connection

    def counted(conn):
        sent.append(conn.info.backend_pid)
        real(conn)

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(counted))
    return sent


@pytest.fixture
def url():
    return database_url(connection.settings_dict)


def terminate(url: str, pid: int) -> None:
    """End one backend from another session, as a restart does, and wait until it is gone."""
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):
            if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                return
            time.sleep(0.05)
    raise AssertionError(f"backend {pid} still running")


def test_pings_only_a_connection_never_checked_out_or_idle_past_the_threshold(url, pings):
    clock = Clock()
    check = StaleCheck(idle_seconds=5, clock=clock)
    with psycopg.connect(url, autocommit=True) as conn:
        check(conn)  # never checked out through the check: pinged
        assert len(pings) == 1
        conn.execute("SELECT 1")  # a request's work
        clock.now += 4.9
        check(conn)  # busy recently, socket quiet: handed out without a round trip
        check(conn)
        assert len(pings) == 1
        clock.now += 5.0
        check(conn)  # idle for the whole threshold: pinged again
        assert len(pings) == 2


def test_a_connection_the_server_terminated_is_refused_without_waiting_for_the_threshold(url, pings):
    clock = Clock()
    check = StaleCheck(idle_seconds=3600, clock=clock)
    with psycopg.connect(url, autocommit=True) as conn:
        check(conn)
        check(conn)
        assert len(pings) == 1
        terminate(url, conn.info.backend_pid)
        with pytest.raises(psycopg.OperationalError):
            check(conn)  # the socket is readable (FATAL + EOF): pinged, and the ping fails
        assert len(pings) == 2
        with pytest.raises(psycopg.OperationalError):
            check(conn)  # now known broken: refused without a ping
        assert len(pings) == 2


def test_the_pool_hands_out_a_live_connection_after_its_backend_is_terminated(url, pings):
    pool = ConnectionPool(url, min_size=1, max_size=1, kwargs={"autocommit": True},
                          check=StaleCheck(idle_seconds=3600), open=True)
    try:
        for _ in range(5):
            with pool.connection() as conn:
                pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        assert len(pings) == 1  # five checkouts, one ping (the first)
        terminate(url, pid)
        with pool.connection() as conn:  # the dead one is discarded, a new one connected
            assert conn.execute("SELECT pg_backend_pid()").fetchone()[0] != pid
    finally:
        pool.close()


def _pooled(alias: str, *, health_checks: bool, pool: dict) -> DatabaseWrapper:
    """The pool backend on the test database, one connection, as a request would use it."""
    settings_dict = {
        **connection.settings_dict,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": health_checks,
        "OPTIONS": {**connection.settings_dict["OPTIONS"], "pool": {"min_size": 1, "max_size": 1, **pool}},
    }
    return DatabaseWrapper(settings_dict, alias=alias)


def test_the_backend_builds_its_pool_with_the_check_and_survives_a_terminated_backend(url, pings):
    wrapper = _pooled("pgpool_test", health_checks=True, pool={"check_idle_seconds": 3600})
    try:
        pids = []
        for _ in range(3):  # three requests: connection out of the pool, query, back
            with wrapper.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids.append(cursor.fetchone()[0])
            wrapper.close()
        assert len(set(pids)) == 1 and len(pings) == 1
        terminate(url, pids[0])
        with wrapper.cursor() as cursor:  # the next request gets a live connection
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] != pids[0]
        wrapper.close()
    finally:
        wrapper.close_pool()


def test_without_health_checks_the_pool_checks_nothing(url, pings):
    wrapper = _pooled("pgpool_test_unchecked", health_checks=False, pool={})
    try:
        for _ in range(2):
            with wrapper.cursor() as cursor:
                cursor.execute("SELECT 1")
            wrapper.close()
        assert pings == []
    finally:
        wrapper.close_pool()
