"""The Django cache on Redis, failing open.

The cache holds nothing a request needs to be right (today: throttle counters), so a Redis that
is down or slow must not fail a payment: every operation is bounded by short socket timeouts
(settings) and, on a Redis error, reads answer a miss and writes are dropped. A throttle then
counts nothing until Redis is back, which is the trade we choose over refusing every request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)
T = TypeVar("T")
# One warning per this many seconds per process, not one per request during an outage.
WARN_EVERY_SECONDS = 30.0


class FailOpenRedisCache(RedisCache):
    _last_warning = 0.0

    def _fail_open(self, operation: str, call: Callable[[], T], fallback: T) -> T:
        try:
            return call()
        except Exception as exc:  # redis.ConnectionError, TimeoutError, ResponseError (OOM)...
            now = time.monotonic()
            if now - FailOpenRedisCache._last_warning > WARN_EVERY_SECONDS:
                FailOpenRedisCache._last_warning = now
                logger.warning("cache: Redis %s failed (%s); serving without the cache", operation, type(exc).__name__)
            return fallback

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._fail_open("get", lambda: super(FailOpenRedisCache, self).get(key, default, version), default)

    def get_many(self, keys: Any, version: int | None = None) -> dict:
        return self._fail_open("get_many", lambda: super(FailOpenRedisCache, self).get_many(keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._fail_open("has_key", lambda: super(FailOpenRedisCache, self).has_key(key, version), False)

    def set(self, *args: Any, **kwargs: Any) -> None:
        self._fail_open("set", lambda: super(FailOpenRedisCache, self).set(*args, **kwargs), None)

    def set_many(self, *args: Any, **kwargs: Any) -> list:
        return self._fail_open("set_many", lambda: super(FailOpenRedisCache, self).set_many(*args, **kwargs), [])

    def add(self, *args: Any, **kwargs: Any) -> bool:
        return self._fail_open("add", lambda: super(FailOpenRedisCache, self).add(*args, **kwargs), False)

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return self._fail_open("touch", lambda: super(FailOpenRedisCache, self).touch(*args, **kwargs), False)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return self._fail_open("delete", lambda: super(FailOpenRedisCache, self).delete(*args, **kwargs), False)

    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        self._fail_open("delete_many", lambda: super(FailOpenRedisCache, self).delete_many(*args, **kwargs), None)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # No fallback value is right for a counter that could not be read: callers see 0 more.
        return self._fail_open("incr", lambda: super(FailOpenRedisCache, self).incr(key, delta, version), delta)

    def clear(self) -> None:
        self._fail_open("clear", lambda: super(FailOpenRedisCache, self).clear(), None)
