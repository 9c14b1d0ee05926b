import gc

import pytest


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """A channel layer instance per test: channels_redis's asyncio locks bind to the first
    event loop that waits on them, and tests run a new loop per `async_to_sync` call."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _release_pool_thread_connections():
    """Both sockets' token check runs on pool threads, and channels.testing turns off the
    connection cleanup around it: collect the connections those finished threads left behind,
    after every test of this directory (whichever runs last), or PostgreSQL refuses to drop the
    test database while they are open."""
    yield
    gc.collect()


@pytest.fixture
def group_adds(monkeypatch):
    """Every group a socket joins, whatever the channel layer."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    calls: list[str] = []
    original = layer.group_add

    async def spy(group: str, channel: str) -> None:
        calls.append(group)
        await original(group, channel)

    monkeypatch.setattr(layer, "group_add", spy)
    return calls
