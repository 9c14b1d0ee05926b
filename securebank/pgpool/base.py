"""Django's PostgreSQL backend, with a cheaper health check for its psycopg pool.

Django 5.2 gives the pool `ConnectionPool.check_connection` when CONN_HEALTH_CHECKS is on: an
empty query on every checkout, a round trip that PostgreSQL counts as one more committed
transaction per request (bench/RESULTS.md, commits per transfer). `StaleCheck` asks the
server only when the connection may be dead:

- its socket is readable while the connection sits idle: the server has sent something it was
  not asked for, which for an idle backend means it is going away (a restart or a terminated
  backend sends FATAL 57P01 and closes: EOF), or a notice; or
- it has not been checked out for `idle_seconds`: long enough for a peer that vanished without
  closing (a host lost, a firewall dropping idle flows) to go unnoticed by the socket.

A connection the server closed is therefore still caught before a request gets it, as with the
full check; only a silently lost peer inside the idle window is not, and that one would also
hang the full check's query until TCP gives up.

Django builds the pool inside its `pool` property and passes `check=` itself, so a `check` in
OPTIONS["pool"] would be passed twice: this backend builds the pool the same way with its own
check (the rest of the backend is Django's).
"""

from __future__ import annotations

import select
import time
from typing import Any

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool

# The default for idle_seconds (settings: DB_POOL_CHECK_IDLE_SECONDS).
IDLE_SECONDS = 5.0
_CHECKED_OUT_AT = "_securebank_checked_out_at"


def socket_readable(conn: Any) -> bool:
    """Whether the connection's socket has data or EOF waiting, without blocking."""
    poller = select.poll()
    poller.register(conn.pgconn.socket, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


class StaleCheck:
    """A psycopg pool `check`: raises (the pool then discards the connection and hands out
    another) when the connection is broken; pings the server only when `needs_ping`."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS, clock: Any = time.monotonic):
        self.idle_seconds, self.clock = idle_seconds, clock

    def needs_ping(self, conn: Any, now: float) -> bool:
        last = getattr(conn, _CHECKED_OUT_AT, None)
        # Never checked out by us (just opened, or opened long ago by the pool's filler): ask.
        return last is None or now - last >= self.idle_seconds or socket_readable(conn)

    def __call__(self, conn: Any) -> None:
        if conn.closed or conn.broken:
            raise psycopg.OperationalError("the connection is closed")
        now = self.clock()
        if self.needs_ping(conn, now):
            ConnectionPool.check_connection(conn)  # raises when the server is gone
        setattr(conn, _CHECKED_OUT_AT, now)


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self) -> Any:
        # Django 5.2's `pool`, with StaleCheck instead of ConnectionPool.check_connection.
        pool_options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == NO_DB_ALIAS or not pool_options:
            return None
        if self.alias not in self._connection_pools:
            if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
                raise ImproperlyConfigured("Pooling doesn't support persistent connections.")
            options = {} if pool_options is True else dict(pool_options)
            idle_seconds = options.pop("check_idle_seconds", IDLE_SECONDS)
            connect_kwargs = self.get_connection_params()
            connect_kwargs["autocommit"] = True  # as Django: it sets the mode it wants later
            pool = ConnectionPool(
                kwargs=connect_kwargs,
                open=False,
                configure=self._configure_connection,
                check=StaleCheck(idle_seconds) if self.settings_dict["CONN_HEALTH_CHECKS"] else None,
                **options,
            )
            # As Django: threads racing at start-up may each build one; the first one stays.
            self._connection_pools.setdefault(self.alias, pool)
        return self._connection_pools[self.alias]
