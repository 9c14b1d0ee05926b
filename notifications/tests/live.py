"""The real ASGI application served by uvicorn inside the test's event loop, and a
python-socketio client that records what it receives.

In-process so that it runs on both passes (SQLite's in-memory test database is shared between
threads, not processes) and so that a payment made with `database_sync_to_async` from the
scenario hops back to this same loop for its after-commit push, as it would in the server.
The cross-process path is tested with real server processes in test_e2e_socketio.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import socketio
import uvicorn

from securebank.asgi import application
from securebank.notify import EVENTS


def test_port(offset: int) -> int:
    """`TEST_PORT_BASE + offset` when the environment reserves a range of ports, else 0 (the
    system picks a free one)."""
    base = os.environ.get("TEST_PORT_BASE")
    return int(base) + offset if base else 0


test_port.__test__ = False  # a helper, not a test


@contextlib.asynccontextmanager
async def live_server(port: int | None = None) -> AsyncIterator[str]:
    """Serve `securebank.asgi.application` on 127.0.0.1; yields its base URL."""
    config = uvicorn.Config(
        application, host="127.0.0.1", port=test_port(0) if port is None else port,
        lifespan="off", log_level="warning", access_log=False,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(200):
            if server.started or task.done():
                break
            await asyncio.sleep(0.025)
        if not server.started:
            raise RuntimeError("uvicorn did not start")
        bound = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{bound}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


class Listener:
    """A python-socketio AsyncClient that queues every SecureBank event it receives."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.connect_errors: list[Any] = []
        for event in sorted(EVENTS):
            self.client.on(event, handler=self._recorder(event))
        self.client.on("connect_error", handler=self.connect_errors.append)

    def _recorder(self, event: str):
        async def record(payload: Any) -> None:
            await self.events.put((event, payload))

        return record

    async def connect(self, url: str, *, transport: str, auth: Any = None, query: str = "",
                      headers: dict[str, str] | None = None) -> None:
        await self.client.connect(
            url + query, auth=auth, transports=[transport], headers=headers or {}, wait_timeout=10,
            retry=False,
        )

    async def next(self, timeout: float = 5) -> tuple[str, Any]:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def take(self, count: int, timeout: float = 5) -> list[tuple[str, Any]]:
        return [await self.next(timeout) for _ in range(count)]

    async def nothing(self, seconds: float) -> bool:
        """True when nothing arrives for `seconds`."""
        try:
            await asyncio.wait_for(self.events.get(), seconds)
        except TimeoutError:
            return True
        return False

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.client.disconnect()
