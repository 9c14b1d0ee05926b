"""`manage.py serve`: the production server's command line, its process count, and a real
uvicorn serving HTTP, the native WebSocket and Socket.IO on one port."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import websockets
from django.core.management import CommandError, call_command

from securebank.liveserver import free_port
from securebank.management.commands import serve

BASE_DIR = Path(__file__).resolve().parents[2]
IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
REDIS = {
    "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}
}
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def test_several_processes_are_refused_on_the_in_memory_layer(settings, monkeypatch):
    settings.CHANNEL_LAYERS = IN_MEMORY
    started = []
    monkeypatch.setattr(serve.subprocess, "Popen", lambda *a, **k: started.append(a))
    with pytest.raises(CommandError, match="REDIS_URL"):
        call_command("serve", "--workers", "2", "--no-workers")
    assert started == []  # refused before anything started


def test_daphne_is_one_process_per_port(settings, monkeypatch):
    settings.CHANNEL_LAYERS = REDIS
    monkeypatch.setattr(serve.subprocess, "Popen", lambda *a, **k: pytest.fail("started"))
    with pytest.raises(CommandError, match="uvicorn"):
        call_command("serve", "--server", "daphne", "--workers", "2", "--no-workers")


@pytest.mark.parametrize(
    ("debug", "layers", "expected"),
    [(True, REDIS, 1), (False, IN_MEMORY, 1), (False, REDIS, os.cpu_count() or 1)],
)
def test_default_process_count(settings, debug, layers, expected):
    settings.DEBUG, settings.CHANNEL_LAYERS = debug, layers
    assert serve.default_workers() == expected


def test_uvicorn_command_line():
    argv = serve.server_argv(server="uvicorn", host="0.0.0.0", port=5000, workers=3)  # noqa: S104
    assert argv[:3] == [sys.executable, "-m", "uvicorn"]
    pairs = dict(zip(argv[4::1], argv[5::1], strict=False))
    assert pairs["--workers"] == "3" and pairs["--loop"] == "uvloop" and pairs["--http"] == "httptools"
    assert pairs["--lifespan"] == "off" and pairs["--port"] == "5000"
    # Throttles key on the peer unless TRUSTED_PROXY_COUNT says otherwise: uvicorn must not
    # rewrite the client address from X-Forwarded-For on its own.
    assert "--no-proxy-headers" in argv
    assert serve.server_argv(server="daphne", host="h", port=1, workers=1)[2:] == [
        "daphne",
        "-b",
        "h",
        "-p",
        "1",
        serve.APPLICATION,
    ]


def _wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "serve exited"
        try:
            with HTTP.open(f"http://127.0.0.1:{port}/api/health/live", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail("serve did not answer")


def test_uvicorn_serves_http_websocket_and_socketio_on_one_port(tmp_path):
    port = free_port()
    env = {**os.environ, "DEBUG": "1", "PYTHONUNBUFFERED": "1"}
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "manage.py",
            "serve",
            "--no-workers",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_healthy(port, proc)
        with HTTP.open(f"http://127.0.0.1:{port}/api/health/live", timeout=5) as response:
            assert json.loads(response.read())["status"] == "ok"
            assert "server" not in {k.lower() for k in response.headers}

        async def socket_without_token() -> int | None:
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws/notifications/") as ws:
                with pytest.raises(websockets.ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 10)
                return ws.close_code

        assert asyncio.run(socket_without_token()) == 4401

        with HTTP.open(f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling", timeout=5) as response:
            opened = response.read().decode()
        assert opened.startswith("0") and '"sid"' in opened  # Engine.IO OPEN packet
    finally:
        proc.terminate()  # what a process supervisor sends: serve stops its server and waits
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    assert proc.returncode == 0, (tmp_path / "serve.log").read_text()


@pytest.fixture
def started(monkeypatch) -> list[list[str]]:
    """The server command lines `serve` starts; each "server" exits 0 at once."""
    argvs: list[list[str]] = []

    class Finished:
        def __init__(self, argv: list[str]) -> None:
            argvs.append(argv)

        def wait(self, timeout: float | None = None) -> int:
            return 0

        def poll(self) -> int:
            return 0

    monkeypatch.setattr(serve.subprocess, "Popen", Finished)
    monkeypatch.setattr(serve.signal, "signal", lambda *_: None)
    return argvs


def test_several_processes_start_one_server_and_warn_about_socketio_polling(settings, started):
    settings.CHANNEL_LAYERS = REDIS
    err = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("serve", "--workers", "3", "--no-workers", stderr=err, stdout=io.StringIO())
    assert exited.value.code == 0
    assert len(started) == 1 and started[0][started[0].index("--workers") + 1] == "3"
    assert "transports: ['websocket']" in err.getvalue()


def test_daphne_defaults_to_one_process(settings, started):
    settings.DEBUG, settings.CHANNEL_LAYERS = False, REDIS
    with pytest.raises(SystemExit):
        call_command("serve", "--server", "daphne", "--no-workers", stdout=io.StringIO(), stderr=io.StringIO())
    assert started[0][2] == "daphne"
