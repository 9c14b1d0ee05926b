"""The ASGI application under the real servers it is run with, daphne and uvicorn: the status
line (Twisted had no phrase for 422), static files for the admin and Swagger UI without a CDN
or `collectstatic`, JSON 404s under /static/, and the WebSocket origin rule."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from securebank.liveserver import Server, free_port

pytestmark = pytest.mark.slow

SERVERS = {
    "daphne": ["-m", "daphne", "-b", "127.0.0.1", "-p", "{port}", "securebank.asgi:application"],
    "uvicorn": ["-m", "uvicorn", "--host", "127.0.0.1", "--port", "{port}", "--lifespan", "off",
                "securebank.asgi:application"],
}


@pytest.fixture(scope="module")
def database() -> Iterator[dict[str, str]]:
    """A migrated SQLite file of its own: the servers are separate processes."""
    with tempfile.TemporaryDirectory(prefix="securebank-servers-") as tmp:
        env = {**os.environ, "DEBUG": "1", "PYTHONUNBUFFERED": "1", "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
               "PIN_REQUIRED": "0", "OPENING_BALANCE": "100.00"}
        env.pop("REDIS_URL", None)
        for name in ("THROTTLE_LOGIN", "THROTTLE_REGISTER", "THROTTLE_PAYMENTS"):
            env[name] = "off"
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],  # noqa: S603
                       cwd=settings.BASE_DIR, env=env, check=True)
        yield env


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(request, database) -> Iterator[Server]:
    port = free_port()
    argv = [sys.executable, *(a.replace("{port}", str(port)) for a in SERVERS[request.param])]
    log = Path(tempfile.mkstemp(prefix=f"{request.param}-{port}-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(argv, cwd=settings.BASE_DIR, env=database, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    running = Server(port=port, process=process, log=log, env=database)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, running.log_tail()
            try:
                fetch(running, "GET", "/api/health/live")
                break
            except OSError:
                assert time.monotonic() < deadline, running.log_tail()
                time.sleep(0.2)
        yield running
    finally:
        running.stop()


def fetch(server: Server, method: str, path: str, body: dict | None = None,
          headers: dict[str, str] | None = None) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def test_a_declined_transfer_says_422_unprocessable_entity(server):
    user = f"u{server.port}"
    response, body = fetch(server, "POST", "/api/auth/register", {
        "username": user, "email": f"{user}@example.in", "password": "S3cure-pass-99", "full_name": "Asha Rao",
    })
    assert response.status == 201, body
    access = json.loads(body)["access"]
    fetch(server, "POST", "/api/auth/register", {
        "username": f"{user}b", "email": f"{user}b@example.in", "password": "S3cure-pass-99", "full_name": "Bela Rao",
    })
    response, body = fetch(server, "POST", "/api/transactions/transfer", {"to_username": f"{user}b", "amount": "500.00"},
                           headers={"Authorization": f"Bearer {access}"})
    assert response.status == 422, body
    assert json.loads(body)["error"]["code"] == "insufficient_funds"
    assert response.reason == "Unprocessable Entity"


def test_admin_and_swagger_static_files_are_served_without_collectstatic(server):
    response, body = fetch(server, "GET", "/static/admin/css/base.css")
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/css")
    assert len(body) > 1000
    response, body = fetch(server, "GET", "/api/docs/")
    assert response.status == 200
    page = body.decode()
    assert "cdn.jsdelivr.net" not in page and "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    response, body = fetch(server, "GET", "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert response.status == 200 and len(body) > 100_000


def test_a_missing_static_file_is_a_json_404(server):
    response, body = fetch(server, "GET", "/static/admin/css/no-such-file.css")
    assert response.status == 404
    assert json.loads(body)["error"]["code"] == "not_found"


def test_websocket_origin_rule_and_4401(server):
    url = f"ws://127.0.0.1:{server.port}/ws/notifications/?token=not-a-jwt"

    async def close_code(origin: str | None) -> int | None:
        async with connect(url, origin=origin, proxy=None, open_timeout=10) as ws:
            await asyncio.wait_for(ws.wait_closed(), 10)
            return ws.close_code

    assert asyncio.run(close_code(None)) == 4401  # no Origin: a mobile app or CLI, the token decides
    assert asyncio.run(close_code("http://localhost:5173")) == 4401  # the frontend's origin
    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(close_code("https://evil.example"))
    assert refused.value.response.status_code == 403
