"""The hops between the serving event loop and the request threads (securebank/server_loop.py)."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

from securebank import server_loop

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="none")


async def where() -> tuple[asyncio.AbstractEventLoop, str]:
    return asyncio.get_running_loop(), threading.current_thread().name


def test_work_sent_back_from_a_request_thread_runs_on_the_serving_loop():
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="req")

    def view() -> tuple[str, tuple[asyncio.AbstractEventLoop, str]]:
        return threading.current_thread().name, server_loop.run(where)

    async def serve() -> None:
        request_id.set("r-1")  # set on the loop, read on the thread
        thread_name, (loop, loop_thread) = await server_loop.in_thread(executor, view)
        assert thread_name.startswith("req")
        assert loop is asyncio.get_running_loop()
        assert loop_thread == threading.current_thread().name

    asyncio.run(serve())
    executor.shutdown()


def test_the_request_context_reaches_the_thread_and_stays_the_requests():
    executor = ThreadPoolExecutor(max_workers=1)

    def view() -> str:
        seen = request_id.get()
        request_id.set("changed on the thread")
        return seen

    async def serve() -> None:
        request_id.set("r-2")
        assert await server_loop.in_thread(executor, view) == "r-2"
        assert request_id.get() == "r-2"

    asyncio.run(serve())
    executor.shutdown()


def test_off_a_request_thread_run_uses_a_loop_of_its_own():
    loop, _ = server_loop.run(where)  # a management command, a test: no serving loop
    assert loop.is_closed() or not loop.is_running()


def test_a_pooled_thread_forgets_the_loop_after_its_request():
    executor = ThreadPoolExecutor(max_workers=1)
    serving = asyncio.new_event_loop()
    loop_thread = threading.Thread(target=serving.run_forever, daemon=True)
    loop_thread.start()
    try:
        asyncio.run_coroutine_threadsafe(server_loop.in_thread(executor, lambda: None), serving).result(timeout=10)
        # The same pooled thread, now outside any request: its work must not go to that loop.
        loop, _ = executor.submit(server_loop.run, where).result(timeout=10)
        assert loop is not serving
    finally:
        serving.call_soon_threadsafe(serving.stop)
        loop_thread.join(timeout=10)
        serving.close()
        executor.shutdown()
