"""The server's event loop, as seen from the request threads.

A request's view runs on a pooled thread (securebank/handlers.py). What it must do on the event
loop (push events to the channel layer, the readiness probe's round trip through it) goes back
to the loop that is serving the request, in one `run_coroutine_threadsafe`, and the thread waits
for the result. asgiref's `sync_to_async`/`async_to_sync` pair makes the same two hops with more
machinery per call (contexts copied and restored both ways, a shielded future, an executor per
call on the way back): the profile put it at ~8% of the server's CPU per transfer
(bench/results_transfers.md, "Plain hops between the loop and the threads").

Off a request thread (management commands, the sweeper, tests) there is no serving loop, and
`run` falls back to `async_to_sync`.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

from asgiref.sync import async_to_sync

T = TypeVar("T")

_thread = threading.local()


async def in_thread(executor: Executor, func: Callable[..., T], *args: Any) -> T:
    """Run `func(*args)` on a thread of `executor`, in a copy of the caller's context (so the
    request's context variables are seen there), with this loop known to `run` on that thread."""
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    return await loop.run_in_executor(executor, _on_thread, loop, context, func, *args)


def _on_thread(loop: asyncio.AbstractEventLoop, context: contextvars.Context, func: Callable[..., T], *args: Any) -> T:
    _thread.loop = loop
    try:
        return context.run(func, *args)
    finally:
        _thread.loop = None  # the thread is pooled: its next job may come from no loop at all


def run(func: Callable[..., Awaitable[T]], *args: Any) -> T:
    """`await func(*args)` from sync code, and wait for its result: on the serving loop from a
    request thread, else through `async_to_sync`."""
    loop: asyncio.AbstractEventLoop | None = getattr(_thread, "loop", None)
    if loop is None or loop.is_closed():
        return async_to_sync(func)(*args)
    return asyncio.run_coroutine_threadsafe(func(*args), loop).result()  # type: ignore[arg-type]
