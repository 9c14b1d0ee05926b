#!/usr/bin/env python
"""SecureBank transfer benchmark: authenticated, idempotent HTTP transfers against the same work
done in raw SQL, on one fresh PostgreSQL database, in one run.

    .venv/bin/python bench/transfers.py                      # defaults: about 2-3 minutes
    .venv/bin/python bench/transfers.py --workers 2 --db-pool --profile bench/out

Steps: drop and recreate the database (its name must start with `securebank_bench` or `sb_bench`), migrate,
register N users (the real registration service, opening balance included), start daphne
(one process per `--workers`, on consecutive ports), log every user in over HTTP, then drive K
keep-alive clients doing `POST /api/transactions/transfer` with an Idempotency-Key between
random users for T seconds. Prints transfers/s, latency percentiles and errors by status/code;
replays a sample of keys (no money may move); checks the ledger (`manage.py check_ledger` when
it exists, and always the invariants in SQL); then K psycopg connections loop the bare
transaction (lock two accounts in id order, update both, insert one transaction and two
entries) for T seconds, and the HTTP rate is printed as a ratio of that raw-SQL rate. Before
the raw phase, the floor: K clients of an authenticated `GET /api/accounts/me` (JWT and two
reads, nothing written) for T seconds, the rate no authenticated endpoint here can beat.
`--rounds N` replaces the single raw phase with N rounds of `--slice` seconds of HTTP transfers
then as long of raw SQL (between `--users` more customers of its own), while the servers stay
up: the ratio measured in the same minutes, which a machine whose speed drifts needs (the
median round is the figure).

Servers run with production settings (DEBUG=0, fresh secrets for the run); `--debug` runs them
with DEBUG=1, which also records every SQL statement in memory.

`--profile DIR` samples every server process with py-spy during the measured window (py-spy is
not a requirement: `pip install py-spy`) and prints where the server's Python time goes.
Servers and samplers are stopped at the end, on errors and on Ctrl-C.

This file is the driver (arguments, the order of the phases, the JSON); each phase is a module
of `bench/transfer_phases/`.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.transfer_phases.database import db_name, db_recreate, fraud_model_setup, manage, users_create  # noqa: E402
from bench.transfer_phases.floor import floor_phase  # noqa: E402
from bench.transfer_phases.http_load import login_all  # noqa: E402
from bench.transfer_phases.interleaved import interleaved_phase  # noqa: E402
from bench.transfer_phases.ledger_checks import ledger_phase  # noqa: E402
from bench.transfer_phases.raw_sql import raw_phase  # noqa: E402
from bench.transfer_phases.report import comparison  # noqa: E402
from bench.transfer_phases.servers import Servers, server_env  # noqa: E402
from bench.transfer_phases.transfers_phase import transfers_phase  # noqa: E402


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/securebank_bench")
    p.add_argument("--users", type=int, default=200, help="customers (N), default 200")
    p.add_argument("--http-logins", type=int, default=20,
                   help="customers logged in over HTTP (Argon2 each); the others get the same token from the registration step")
    p.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients and raw-SQL connections (K)")
    p.add_argument("--duration", type=float, default=30, help="seconds of measured load per phase (T)")
    p.add_argument("--warmup", type=float, default=3, help="seconds of unmeasured HTTP load first")
    p.add_argument("--workers", type=int, default=1, help="server processes on consecutive ports")
    p.add_argument("--server", choices=["daphne", "uvicorn", "serve"], default="daphne",
                   help="daphne or uvicorn: one process per port (--workers ports); serve: `manage.py serve "
                        "--workers N`, the production command, N uvicorn processes on one port (N > 1 needs --redis-url)")
    p.add_argument("--port", type=int, default=8610)
    p.add_argument("--db-pool", action="store_true", help="DB_POOL=1 (psycopg connection pool)")
    p.add_argument("--redis-url", default="", help="REDIS_URL for the servers (default: in-memory layer/cache)")
    p.add_argument("--amount", default="1-50", help="random transfer amount range in rupees, default 1-50")
    p.add_argument("--fraud-model", default="auto",
                   help="auto (cached model, trained once), none (no model), or a saved model version directory")
    p.add_argument("--fraud-rows", type=int, default=100_000, help="generated rows when auto trains a model")
    p.add_argument("--velocity-limit", type=int, default=1000,
                   help="fraud velocity counts per hour and per day for the servers (default 1000: bench users pay "
                        "far faster than people; the rule still runs, reading each payer's rows of the run); "
                        "0 keeps the configured limits, which hold a bench user's 11th transfer in an hour")
    p.add_argument("--cache-dir", default=str(Path(tempfile.gettempdir()) / "securebank-bench"),
                   help="generated PaySim data and the trained bench model")
    p.add_argument("--replays", type=int, default=20, help="successful requests to resend with their key")
    p.add_argument("--profile", metavar="DIR", help="py-spy the servers during the measured window into DIR")
    p.add_argument("--profile-rate", type=int, default=200)
    p.add_argument("--skip-raw", action="store_true", help="HTTP phase only")
    p.add_argument("--rounds", type=int, default=0,
                   help="instead of one raw-SQL phase after the HTTP one: N rounds of --slice seconds of HTTP "
                        "transfers then --slice seconds of raw SQL, the ratio measured in the same minutes "
                        "(see bench/transfer_phases/interleaved.py)")
    p.add_argument("--slice", type=float, default=5.0, help="seconds of each side of a round (default 5)")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-floor", dest="floor", action="store_false",
                   help="skip the floor phase (K clients of authenticated GET /api/accounts/me for T seconds)")
    p.add_argument("--debug", action="store_true",
                   help="run the servers with DEBUG=1 (records every SQL statement; default: production settings)")
    return p.parse_args()


def run(args: argparse.Namespace, cleanup: list) -> int:
    low, high = (int(x) for x in args.amount.split("-"))
    env = server_env(args)
    figures: dict = {"command": " ".join(sys.argv)}
    t = time.monotonic()
    print(f"database {db_name(args.database_url)}: recreate + migrate ...", flush=True)
    db_recreate(args.database_url)
    manage(env, "migrate", "--noinput", "-v", "0")
    if (ROOT / "fraud" / "scoring.py").exists():
        figures["fraud_scorer"] = fraud_model_setup(env, args.fraud_model, Path(args.cache_dir), args.fraud_rows)
    else:
        figures["fraud_scorer"] = "placeholder in fraud/services.py (allows everything)"
    # The rounds' raw SQL pays between customers of its own: the HTTP side's fraud and limit reads
    # then see only its own payers' history, as when the raw phase runs after it.
    interleave = args.rounds > 0 and not args.skip_raw
    raw_users = args.users if interleave else 0
    everyone = users_create(env, args.database_url, args.users + raw_users, args.http_logins)
    customers, raw_customers = everyone[:args.users], everyone[args.users:]
    print(f"  {len(everyone)} users registered ({time.monotonic() - t:.1f}s)", flush=True)

    log_dir = Path(tempfile.mkdtemp(prefix="securebank-bench-"))
    servers = Servers(env, args.port, args.workers, log_dir, args.server)
    cleanup.append(servers.stop)
    servers.start()
    print(f"{args.server} x{args.workers} on ports {servers.ports[0]}-{servers.ports[-1]} (DB_POOL={int(args.db_pool)}, "
          f"REDIS_URL={'set' if args.redis_url else 'unset'}, logs in {log_dir}); fraud scorer: {figures['fraud_scorer']}",
          flush=True)
    t = time.monotonic()
    login_all(everyone, servers.ports, threads=min(args.clients, 4 * args.workers))
    print(f"  {min(args.http_logins, len(customers))} users logged in over HTTP ({time.monotonic() - t:.1f}s)", flush=True)

    http = transfers_phase(args, servers, customers, low, high, cleanup)
    figures["background_busy"] = http["background_busy"]
    figures["http"] = http["figures"]
    if http["profile"] is not None:
        figures["profile"] = http["profile"]
    failed = http["failed"]
    floor = None
    if args.floor:
        floor = floor_phase(args.database_url, servers, customers, args.clients, args.duration, args.seed)
        figures["floor"] = floor["figures"]
        failed |= floor["failed"]
    created = http["created"]
    if interleave:
        rounds = interleaved_phase(args.database_url, servers, customers, raw_customers, args.clients, args.slice,
                                   args.rounds, args.seed, low, high)
        figures["interleaved"] = rounds["figures"]
        created += rounds["created"]
        failed |= rounds["failed"]
    servers.stop()

    figures["ledger"], broken = ledger_phase(args.database_url, env, created)
    figures["ledger"]["replays_ok"] = http["replays"]
    failed |= broken
    if not args.skip_raw and not interleave:
        raw = raw_phase(args.database_url, customers, args.clients, args.duration, args.seed, low, high)
        failed |= bool(raw["violations"])
        compared = comparison(http, raw, floor)
        figures["cost_ratio"] = compared["cost_ratio"]
        if floor is not None:
            figures["floor"]["ratio"] = compared["floor_ratio"]
        figures["raw"] = {k: raw[k] for k in ("transactions", "per_s", "errors", "cpu_s")}
        figures["ratio"] = compared["ratio"]
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 1 if failed else 0


def main() -> int:
    args = parse_args()
    cleanup: list = []

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)  # also when started in the background with SIGINT ignored
    try:
        return run(args, cleanup)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except subprocess.CalledProcessError as exc:
        print(f"failed: {' '.join(exc.cmd[:4])}...\n{exc.stdout}\n{exc.stderr}", file=sys.stderr)
        return 1
    finally:
        for stop in reversed(cleanup):
            stop()


if __name__ == "__main__":
    sys.exit(main())
