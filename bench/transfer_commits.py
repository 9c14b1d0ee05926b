#!/usr/bin/env python
"""Every database transaction one keyed HTTP transfer commits, statement by statement.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sb_bench_commits .venv/bin/python bench/transfer_commits.py

Drops and recreates the database (its name must start with `securebank_bench` or `sb_bench`),
migrates, registers two customers, then sends `--transfers` keyed `POST
/api/transactions/transfer` through Django's test client in this process (the view, the
middleware and the services the servers run) and prints, for the last one, each transaction
PostgreSQL commits: an explicit one (an outermost `atomic` block) or an implicit one (a
statement run in autocommit, which PostgreSQL counts as a commit too, like `bench/transfers.py`'s
commits/op). It also prints PostgreSQL's own count (`pg_stat_database.xact_commit`) over the
transfers, after the connection closes, so the listing is checked against the server. The
connection is closed after every request, as the servers do: with `DB_POOL=1` each request
then checks a connection out of the pool, and a pool health check (an empty query, which
PostgreSQL counts as a transaction) would show in that count, not in the listing: the pool's
check (securebank.pgpool) pings only a connection that may be dead, so back-to-back transfers
add none.

    THROTTLE_PAYMENTS=off DB_POOL=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/sb_bench_commits \
        .venv/bin/python bench/transfer_commits.py --transfers 200
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _recreate(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    if not re.fullmatch(r"(securebank_bench|sb_bench)\w*", name):
        raise SystemExit(f"refusing to drop {name!r}: name it securebank_bench* or sb_bench*")
    admin = urlunparse(urlparse(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _server_commits(url: str) -> int:
    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = %s", [name]).fetchone()[0]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--transfers", type=int, default=20)
    p.add_argument("--pin", action="store_true", help="the payer has a UPI PIN and sends it (the default is "
                   "bench/transfers.py's setup: no PIN, PIN_REQUIRED=0)")
    p.add_argument("--fraud-model", default="", help="a saved model version directory (bench/transfers.py's "
                   "cache has one) to score with, as the benchmark's servers do; default: no model (rules only)")
    args = p.parse_args()
    model = Path(args.fraud_model).resolve() if args.fraud_model else None
    if model is not None:
        os.environ["FRAUD_MODEL_DIR"] = str(model.parent)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database named sb_bench*")
    _recreate(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "securebank.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("PIN_REQUIRED", "0")
    os.environ.setdefault("THROTTLE_PAYMENTS", "off")  # as bench/transfers.py: --transfers beyond the rate
    os.environ.setdefault("FRAUD_VELOCITY_HOUR_COUNT", "1000")  # as bench/transfers.py: no velocity holds
    os.environ.setdefault("FRAUD_VELOCITY_DAY_COUNT", "1000")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.test import Client

    from accounts.services import token_pair_create, user_register
    from ledger.selectors import account_primary_for_user_id

    call_command("migrate", verbosity=0)
    if model is not None:
        import json

        from fraud.model_services import model_activate
        from fraud.models import FraudModel

        meta = json.loads((model / "metadata.json").read_text())
        FraudModel.objects.get_or_create(version=meta["version"], defaults=dict(
            trained_at=meta["trained_at"], data_source=meta["data_source"][:255], data_sha256=meta["data_sha256"],
            rows=meta["rows"], threshold=meta["threshold"], features=meta["features"], metrics=meta["metrics"]))
        model_activate(version=meta["version"])
    alice = user_register(username="alice", email="alice@example.com", password="bench-Passw0rd-7319")
    bob = user_register(username="bob", email="bob@example.com", password="bench-Passw0rd-7319")
    to_account = account_primary_for_user_id(user_id=bob.pk).number
    token = token_pair_create(alice).access
    if args.pin:
        from accounts.pin import pin_set

        pin_set(user=alice, pin="2468", pin_confirm="2468")
    client = Client()

    log: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        where = "  " if connection.in_atomic_block else "* "  # * = autocommit: its own commit
        log.append(where + " ".join(sql.split())[:150])
        return execute(sql, params, many, context)

    real_commit = BaseDatabaseWrapper.commit

    def commit(self: Any) -> None:
        log.append("COMMIT")
        real_commit(self)

    BaseDatabaseWrapper.commit = commit  # an outermost atomic block ends here

    def transfer() -> int:
        return client.post(
            "/api/transactions/transfer", {"to_account": to_account, "amount": "1.00", "description": "probe", **({"pin": "2468"} if args.pin else {})},
            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        ).status_code

    acks = []
    try:  # the outbox's batched acknowledgements: an UPDATE on another thread, about one a second
        from notifications import outbox

        mark = outbox.outbox_mark_pushed
        outbox.outbox_mark_pushed = lambda ids: acks.append(len(ids)) or mark(ids)
    except ImportError:  # before the outbox
        pass
    transfer()  # warm caches (the fraud model, the treasury) before counting
    connection.close()
    if getattr(connection, "pool", None) is not None:
        connection.close_pool()
    time.sleep(1.2)
    before = _server_commits(url)
    acks.clear()
    started = time.monotonic()
    with connection.execute_wrapper(wrapper):
        for _ in range(args.transfers):
            log.clear()
            status = transfer()
            if status != 201:
                raise SystemExit(f"transfer answered {status}")
            # A server closes the connection after every request (back to the pool with DB_POOL=1,
            # whose next checkout runs the pool's health check); Django's test client does not.
            connection.close()
    elapsed = time.monotonic() - started
    connection.close()
    if getattr(connection, "pool", None) is not None:  # DB_POOL=1: end the pooled backends so they report
        connection.close_pool()
    time.sleep(1.2)  # PostgreSQL publishes a backend's counters at most once a second
    after = _server_commits(url)
    BaseDatabaseWrapper.commit = real_commit
    commits = 0
    print("The last transfer's statements ('*' = autocommit, its own commit):")
    for line in log:
        if line == "COMMIT" or line.startswith("*"):
            commits += 1
        print(f"  {line}")
    print(f"commits in the listing: {commits}")
    print(f"outbox acknowledgement UPDATEs: {len(acks)} ({sum(acks)} rows) in {elapsed:.1f} s of {args.transfers} transfers "
          "(one per process per OUTBOX_ACK_SECONDS while pushes arrive)")
    # The probe's own stats read before the transfers is one commit, on another connection;
    # autovacuum's transactions count too (noise).
    print(f"PostgreSQL xact_commit over {args.transfers} transfers: {(after - before - 1) / args.transfers:.2f} per transfer")


if __name__ == "__main__":
    main()
