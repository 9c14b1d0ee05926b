"""The HTTP clients: keep-alive connections sending planned requests for a while, the logins,
the transfer and read loads, and the replay of stored idempotent answers."""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bench.transfer_phases.database import PASSWORD, Customer


def request(conn: http.client.HTTPConnection, method: str, path: str, body: dict | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict, http.client.HTTPResponse]:
    payload = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    raw = response.read()
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        data = {"error": {"code": "non_json"}}
    return response.status, data, response


def login_all(customers: list[Customer], ports: list[int], threads: int) -> None:
    """Log in (POST /api/auth/login) every customer that has no token yet."""
    pending = [(i, c) for i, c in enumerate(customers) if not c.token]
    lock = threading.Lock()
    failures: list[str] = []

    def work() -> None:
        conns: dict[int, http.client.HTTPConnection] = {}
        while True:
            with lock:
                if not pending:
                    return
                i, customer = pending.pop()
            port = ports[i % len(ports)]
            body = {"username": customer.username, "password": PASSWORD}
            try:
                try:
                    conn = conns.setdefault(port, http.client.HTTPConnection("127.0.0.1", port, timeout=60))
                    status, data, _ = request(conn, "POST", "/api/auth/login", body)
                except (OSError, http.client.HTTPException):  # the server closed an idle keep-alive
                    conns.pop(port).close()
                    conn = conns.setdefault(port, http.client.HTTPConnection("127.0.0.1", port, timeout=60))
                    status, data, _ = request(conn, "POST", "/api/auth/login", body)
            except (OSError, http.client.HTTPException) as exc:
                failures.append(f"{customer.username}: {exc!r}")
                return
            if status != 200:
                failures.append(f"{customer.username}: {status} {data}")
            else:
                customer.token = data["access"]

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if failures:
        raise RuntimeError(f"{len(failures)} logins failed, first: {failures[0]}")


@dataclass
class Sample:
    start: float
    latency: float
    status: int
    code: str


@dataclass
class LoadResult:
    samples: list[Sample] = field(default_factory=list)
    created: list[tuple[Customer, str, dict, dict]] = field(default_factory=list)  # (payer, key, body, response)


def random_amount(rng: random.Random, low: int, high: int) -> str:
    return f"{Decimal(rng.randint(low * 100, high * 100)) / 100:.2f}"


# One request a client makes: method, path, body, headers, and a tag handed back with its answer.
Planned = tuple[str, str, dict | None, dict[str, str], Any]


def drive(ports: list[int], clients: int, seconds: float, seed: int,
          plan: Callable[[random.Random], Planned]) -> list[tuple[Sample, Any, dict]]:
    """K keep-alive clients, spread over the ports, each sending `plan(rng)` requests for
    `seconds`: every request's (sample, tag, answer body)."""
    results: list[tuple[Sample, Any, dict]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        port = ports[index % len(ports)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while time.monotonic() < stop_at:
            method, path, body, headers, tag = plan(rng)
            t0 = time.monotonic()
            try:
                status, data, _ = request(conn, method, path, body, headers)
                code = "" if status < 400 else str(data.get("error", {}).get("code", "?"))
            except (OSError, http.client.HTTPException) as exc:
                status, data, code = 0, {}, type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append((Sample(t0, time.monotonic() - t0, status, code), tag, data))
        conn.close()
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def http_load(customers: list[Customer], ports: list[int], clients: int, seconds: float, seed: int,
              low: int, high: int) -> LoadResult:
    def plan(rng: random.Random) -> Planned:
        payer, payee = rng.sample(customers, 2)
        key = uuid.uuid4().hex
        body = {"to_account": payee.number, "amount": random_amount(rng, low, high), "description": "bench"}
        headers = {"Authorization": f"Bearer {payer.token}", "Idempotency-Key": key}
        return "POST", "/api/transactions/transfer", body, headers, (payer, key, body)

    result = LoadResult()
    for sample, (payer, key, body), data in drive(ports, clients, seconds, seed, plan):
        result.samples.append(sample)
        if sample.status == 201:
            result.created.append((payer, key, body, data))
    return result


def http_read_load(customers: list[Customer], ports: list[int], clients: int, seconds: float, seed: int,
                   path: str = "/api/accounts/me") -> list[Sample]:
    """K clients doing an authenticated GET: the floor any authenticated endpoint pays here."""

    def plan(rng: random.Random) -> Planned:
        return "GET", path, None, {"Authorization": f"Bearer {rng.choice(customers).token}"}, None

    return [sample for sample, _tag, _data in drive(ports, clients, seconds, seed, plan)]


def replay_check(result: LoadResult, ports: list[int], count: int, seed: int) -> tuple[int, int]:
    """Resend `count` successful requests with their keys: each must replay the stored answer."""
    rng = random.Random(seed)
    picks = rng.sample(result.created, min(count, len(result.created)))
    ok = 0
    conn = http.client.HTTPConnection("127.0.0.1", ports[0], timeout=60)
    for payer, key, body, first in picks:
        status, data, response = request(conn, "POST", "/api/transactions/transfer", body,
                                         {"Authorization": f"Bearer {payer.token}", "Idempotency-Key": key})
        same = data.get("transaction", {}).get("id") == first["transaction"]["id"]
        if status == 201 and same and response.getheader("Idempotent-Replayed") == "true":
            ok += 1
    conn.close()
    return ok, len(picks)


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q / 100 * len(sorted_values)))]

