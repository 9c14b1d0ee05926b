#!/usr/bin/env python
"""WebSocket notification benchmark: commit-to-delivery latency, lost deliveries, idle sockets.

For each channel layer (in-memory: one server process; Redis: two server processes, clients on
the first, payments on the second so that every event crosses processes):
  - C authenticated WebSocket clients (`websockets`) connect to /ws/notifications/;
  - P payments of 1.00 between random pairs of them go over HTTP (POST /api/payments/send);
  - every event carries `committed_at`, stamped by the server in the money's transaction as
    its last step, just before the commit (the notification outbox is written there); the
    client subtracts it from its receive time (same machine, same clock);
  - a delivery is lost if an expected event (payment_sent + balance_update to the payer,
    payment_received + balance_update to the payee, per completed payment) never arrives.
Then (--idle N) one fresh server process holds N idle authenticated connections: its resident
memory before and after, and whether it still answers pings and delivers a payment.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/sb_payments \\
    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/ws_latency.py \\
        --clients 100 1000 --payments 1000 --layers memory redis --idle 5000

Needs PostgreSQL (several processes write at once). Users `wsbench<N>` are created once and
reused. Fraud scoring is replaced by an allow-all assessor (`--risk project` keeps the
configured one) so that the figures are about the notification path.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "securebank.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("JWT_ACCESS_MINUTES", "240")  # tokens outlive a long run

import django  # noqa: E402

django.setup()

import websockets.exceptions  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from accounts.models import User  # noqa: E402
from ledger.services import account_open_primary  # noqa: E402
from securebank.liveserver import Server, database_url, http_json, start_server  # noqa: E402

PREFIX = "wsbench"
ALLOW_ALL = "bench.assessors.AllowEverything"  # no test module in a server under measurement


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- users -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BenchUser:
    pk: int
    vpa: str
    token: str


def ensure_users(count: int) -> list[BenchUser]:
    existing = User.objects.filter(username__startswith=PREFIX).count()
    if existing < count:
        log(f"creating {count - existing} users ({existing} exist)")
    for i in range(existing, count):
        with transaction.atomic():
            user = User(username=f"{PREFIX}{i}", email=f"{PREFIX}{i}@example.in", full_name=f"Bench User {i}",
                        vpa=f"{PREFIX}{i}@securebank")
            user.set_unusable_password()  # tokens are minted directly; no password hashing cost
            user.save()
            account_open_primary(user=user)
        if (i + 1) % 500 == 0:
            log(f"  {i + 1}/{count} users")
    users = User.objects.filter(username__startswith=PREFIX).order_by("pk")[:count]
    return [BenchUser(pk=u.pk, vpa=u.vpa, token=str(AccessToken.for_user(u))) for u in users]


# --- clients -----------------------------------------------------------------------------------
@dataclass
class Sink:
    """Everything the clients received: (user pk, event type, transaction id) -> latency (s)."""

    latencies: dict[tuple[int, str, str], float] = field(default_factory=dict)
    # the same split in two: commit -> handed to the channel layer (server: notification rows,
    # their commit), and handed to the layer -> received (layer, consumer, socket)
    to_layer: dict[tuple[int, str, str], float] = field(default_factory=dict)
    through_layer: dict[tuple[int, str, str], float] = field(default_factory=dict)
    other: int = 0

    def add(self, user_pk: int, raw: str) -> None:
        now = time.time()
        message = json.loads(raw)
        data = message.get("data") or {}
        committed = data.get("committed_at")
        txn = data.get("transaction_id")
        if committed and txn:
            key = (user_pk, message["type"], txn)
            committed_ts = datetime.fromisoformat(committed).timestamp()
            self.latencies[key] = now - committed_ts
            if message.get("sent_at"):
                sent_ts = datetime.fromisoformat(message["sent_at"]).timestamp()
                self.to_layer[key] = sent_ts - committed_ts
                self.through_layer[key] = now - sent_ts
        else:
            self.other += 1


CONNECT_RETRIES = {"count": 0}


async def open_clients(server: Server, users: list[BenchUser], sink: Sink | None, batch: int = 200) -> list:
    """Connect in batches; a refused or timed-out handshake is retried like a real client
    would (backoff), and counted in CONNECT_RETRIES."""
    sockets: list = []

    async def one(user: BenchUser):
        for attempt in range(6):
            try:
                ws = await connect(f"{server.ws}/ws/notifications/?token={user.token}", origin=server.http,
                                   proxy=None, ping_interval=None, open_timeout=60, compression=None)
                break
            except (OSError, TimeoutError, websockets.exceptions.InvalidHandshake):
                if attempt == 5:
                    raise
                CONNECT_RETRIES["count"] += 1
                await asyncio.sleep(0.5 * 2**attempt)
        if sink is not None:
            asyncio.create_task(read(ws, user.pk, sink))
        return ws

    for start in range(0, len(users), batch):
        sockets += await asyncio.gather(*(one(u) for u in users[start:start + batch]))
        if len(users) > batch:
            log(f"  {len(sockets)}/{len(users)} sockets open")
    return sockets


async def read(ws, user_pk: int, sink: Sink) -> None:
    try:
        async for raw in ws:
            sink.add(user_pk, raw)
    except Exception:  # noqa: BLE001 - the socket closed; the loss shows in the counts
        return


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


# --- one latency run -------------------------------------------------------------------------------
async def latency_run(*, ws_server: Server, http_server: Server, users: list[BenchUser], payments: int,
                      concurrency: int, drain: float) -> dict:
    sink = Sink()
    CONNECT_RETRIES["count"] = 0
    log(f"connecting {len(users)} clients to :{ws_server.port}")
    sockets = await open_clients(ws_server, users, sink)
    for ws in sockets[:3]:  # authenticated and joined: a ping round trip
        await ws.send(json.dumps({"type": "ping"}))
    await asyncio.sleep(1.0)

    rng = random.Random(len(users) * 7919 + payments)
    pairs = []
    for _ in range(payments):
        payer, payee = rng.sample(users, 2)
        pairs.append((payer, payee))
    gate = asyncio.Semaphore(concurrency)
    answers: list[tuple[BenchUser, BenchUser, int, dict, float]] = []

    async def pay(payer: BenchUser, payee: BenchUser) -> None:
        async with gate:
            started = time.perf_counter()
            status, body = await asyncio.to_thread(
                http_json, f"{http_server.http}/api/payments/send", token=payer.token,
                body={"payee": payee.vpa, "amount": "1.00", "note": "bench"},
            )
            answers.append((payer, payee, status, body, time.perf_counter() - started))

    log(f"{payments} payments over HTTP to :{http_server.port}, {concurrency} at a time")
    started = time.perf_counter()
    await asyncio.gather(*(pay(a, b) for a, b in pairs))
    elapsed = time.perf_counter() - started

    expected: set[tuple[int, str, str]] = set()
    statuses: dict[int, int] = {}
    for payer, payee, status, body, _ in answers:
        statuses[status] = statuses.get(status, 0) + 1
        if status == 201:
            txn = body["transaction"]["id"]
            expected |= {(payer.pk, "payment_sent", txn), (payer.pk, "balance_update", txn),
                         (payee.pk, "payment_received", txn), (payee.pk, "balance_update", txn)}
        elif status == 202:
            expected.add((payer.pk, "payment_sent", body["transaction"]["id"]))
    deadline = time.monotonic() + drain
    while time.monotonic() < deadline and not expected <= set(sink.latencies):
        await asyncio.sleep(0.1)
    for ws in sockets:
        await ws.close()

    received = [sink.latencies[key] for key in expected if key in sink.latencies]
    to_layer = [sink.to_layer[key] for key in expected if key in sink.to_layer]
    through_layer = [sink.through_layer[key] for key in expected if key in sink.through_layer]
    lost = len(expected - set(sink.latencies))
    http = [a[4] for a in answers]
    return {
        "clients": len(users), "payments": payments, "statuses": statuses, "connect_retries": CONNECT_RETRIES["count"],
        "payments_per_s": payments / elapsed, "http_p50_ms": 1000 * statistics.median(http),
        "expected": len(expected), "delivered": len(received), "lost": lost,
        "p50_ms": 1000 * percentile(received, 50), "p99_ms": 1000 * percentile(received, 99),
        "max_ms": 1000 * max(received) if received else float("nan"),
        "to_layer_p50_ms": 1000 * percentile(to_layer, 50), "to_layer_p99_ms": 1000 * percentile(to_layer, 99),
        "through_layer_p50_ms": 1000 * percentile(through_layer, 50),
        "through_layer_p99_ms": 1000 * percentile(through_layer, 99),
    }


async def idle_run(*, server: Server, users: list[BenchUser], count: int) -> dict:
    await asyncio.sleep(2)
    before = server.rss_kib()
    pool = [users[i % len(users)] for i in range(count)]
    log(f"opening {count} idle authenticated connections to :{server.port} (RSS {before / 1024:.0f} MiB)")
    CONNECT_RETRIES["count"] = 0
    started = time.perf_counter()
    sockets = await open_clients(server, pool, None, batch=250)
    opened = time.perf_counter() - started
    await asyncio.sleep(5)
    after = server.rss_kib()
    # still alive? ping a sample, and deliver one payment to a connected user
    sample = random.Random(1).sample(sockets, min(200, len(sockets)))
    pongs = 0
    for ws in sample:
        await ws.send(json.dumps({"type": "ping"}))
    for ws in sample:
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if message["type"] == "pong":
                pongs += 1
                break
    payee_ws, payee = sockets[0], pool[0]
    payer = next(u for u in users if u.pk != payee.pk)
    status, _ = await asyncio.to_thread(
        http_json, f"{server.http}/api/payments/send", token=payer.token, body={"payee": payee.vpa, "amount": "1.00"})
    delivered = False
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not delivered:
        try:
            message = json.loads(await asyncio.wait_for(payee_ws.recv(), 5))
        except TimeoutError:
            continue
        delivered = message["type"] == "payment_received"
    alive = sum(1 for ws in sockets if ws.state.name == "OPEN")
    for start in range(0, len(sockets), 500):
        await asyncio.gather(*(ws.close() for ws in sockets[start:start + 500]))
    return {
        "connections": count, "open_after": alive, "connect_retries": CONNECT_RETRIES["count"], "open_s": opened, "rss_before_mib": before / 1024,
        "rss_after_mib": after / 1024, "kib_per_connection": (after - before) / count,
        "pongs": f"{pongs}/{len(sample)}", "payment_status": status, "payment_delivered": delivered,
    }


# --- main ----------------------------------------------------------------------------------------
def server_env(layer: str, risk: str, db_pool: bool = False) -> dict[str, str]:
    env = {
        "DB_POOL": "1" if db_pool else "0",
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL if layer == "redis" else "",
        "THROTTLE_PAYMENTS": "off",
        "PIN_REQUIRED": "0",  # the bench's customers pay without a UPI PIN (bench/pin.py measures the PIN)
        "JWT_ACCESS_MINUTES": os.environ["JWT_ACCESS_MINUTES"],
        "LOG_LEVEL": "WARNING",
    }
    if risk != "project":
        env["LEDGER_RISK_ASSESSOR"] = risk
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--payments", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8, help="HTTP payments in flight")
    parser.add_argument("--layers", nargs="*", choices=["memory", "redis"], default=["memory", "redis"],
                        help="latency runs (none: only the idle test)")
    parser.add_argument("--idle", type=int, default=0, help="idle connections to hold (0: skip)")
    parser.add_argument("--idle-layer", choices=["memory", "redis"], default="redis")
    parser.add_argument("--drain", type=float, default=30.0, help="seconds to wait for late events")
    parser.add_argument("--risk", default=ALLOW_ALL, help=f"risk assessor path, or 'project' (default {ALLOW_ALL})")
    parser.add_argument("--db-pool", action="store_true", help="servers use the psycopg pool (DB_POOL=1)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="uvicorn",
                        help="server processes, as `manage.py serve` runs them (one process each)")
    parser.add_argument("--port", type=int, default=0, help="first port of the servers (default: free ports)")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        sys.exit("ws_latency: set DATABASE_URL to PostgreSQL (several server processes write at once)")
    if "redis" in args.layers + [args.idle_layer if args.idle else "memory"] and not settings.REDIS_URL:
        sys.exit("ws_latency: the redis layer needs REDIS_URL")
    call_command("migrate", verbosity=0)
    users = ensure_users(max(args.clients + [2]))
    results: dict = {"latency": [], "idle": None, "risk": args.risk, "load_before": os.getloadavg()}

    for layer in args.layers:
        env = server_env(layer, args.risk, args.db_pool)
        ports = [args.port + i if args.port else None for i in range(2 if layer == "redis" else 1)]
        servers = [start_server(env, server=args.server, port=port) for port in ports]
        try:
            for clients in args.clients:
                row = asyncio.run(latency_run(
                    ws_server=servers[0], http_server=servers[-1], users=users[:clients],
                    payments=args.payments, concurrency=args.concurrency, drain=args.drain,
                ))
                row["layer"] = layer + (" (2 processes)" if layer == "redis" else " (1 process)")
                results["latency"].append(row)
                log(f"{row['layer']} C={clients}: p50 {row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms, "
                    f"lost {row['lost']}/{row['expected']}, {row['payments_per_s']:.1f} payments/s")
        finally:
            for server in servers:
                server.stop()

    if args.idle:
        server = start_server(server_env(args.idle_layer, args.risk, args.db_pool), server=args.server,
                              port=args.port or None)
        try:
            results["idle"] = {**asyncio.run(idle_run(server=server, users=users, count=args.idle)),
                               "layer": args.idle_layer}
        finally:
            server.stop()

    print()
    print(f"load average before {results['load_before'][0]:.1f}, after {os.getloadavg()[0]:.1f} "
          f"({os.cpu_count()} CPUs); server {args.server}; DB_POOL={'1' if args.db_pool else '0'}; risk assessor {args.risk}")
    print("| layer | clients | payments | payments/s | HTTP p50 | delivery p50 | p99 | max | delivered / expected | lost "
          "| connect retries |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results["latency"]:
        print(f"| {r['layer']} | {r['clients']} | {r['payments']} {r['statuses']} | {r['payments_per_s']:.1f} | "
              f"{r['http_p50_ms']:.0f} ms | {r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms | {r['max_ms']:.1f} ms | "
              f"{r['delivered']} / {r['expected']} | {r['lost']} | {r['connect_retries']} |")
    print()
    print("| layer | clients | commit -> layer p50 / p99 | layer -> client p50 / p99 |")
    print("|---|---|---|---|")
    for r in results["latency"]:
        print(f"| {r['layer']} | {r['clients']} | {r['to_layer_p50_ms']:.1f} / {r['to_layer_p99_ms']:.1f} ms | "
              f"{r['through_layer_p50_ms']:.1f} / {r['through_layer_p99_ms']:.1f} ms |")
    if results["idle"]:
        i = results["idle"]
        print()
        print("| idle connections | layer | still open | opened in | connect retries | RSS before | RSS after "
              "| per connection | pings | payment delivered |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        print(f"| {i['connections']} | {i['layer']} | {i['open_after']} | {i['open_s']:.1f} s | {i['connect_retries']} | "
              f"{i['rss_before_mib']:.0f} MiB | {i['rss_after_mib']:.0f} MiB | {i['kib_per_connection']:.1f} KiB | "
              f"{i['pongs']} | {i['payment_delivered']} (HTTP {i['payment_status']}) |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
