"""The shared Redis cache, failing open when Redis cannot be reached.

Rate limits (allauth, the API throttles, posting limits), the worker heartbeat and other
cached values live in Redis. When it is down, a page must not fail because of them: a read
misses, a write (or an add) is accepted and lost, a counter counts nothing, so limits let requests through until
Redis is back. The first failure logs a warning; for ``RETRY_AFTER`` seconds afterwards the
cache does not even try, so an unreachable host costs one connection timeout, not one per
call. Redis coming back needs no restart: the next try after that pause uses it again.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_AFTER = 5.0  # seconds without trying Redis after it failed


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache, answering as an empty cache while Redis is unreachable."""

    _down_until = 0.0  # per process: time.monotonic() before which Redis is not tried

    def _call(self, method: str, fallback, *args, **kwargs):
        cls = type(self)
        if time.monotonic() < cls._down_until:
            return fallback
        try:
            result = getattr(super(), method)(*args, **kwargs)
        except UNREACHABLE as exc:
            if not cls._down_until:
                logger.warning(
                    "Redis cache unreachable (%s); rate limits and cached values are off "
                    "until it is back",
                    exc.__class__.__name__,
                )
            cls._down_until = time.monotonic() + RETRY_AFTER
            return fallback
        if cls._down_until:
            logger.warning("Redis cache reachable again")
            cls._down_until = 0.0
        return result

    @classmethod
    def is_down(cls) -> bool:
        return bool(cls._down_until)

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # True, as if stored and then lost: callers using add() as a lock (allauth's rate
        # limits) must not wait for a lock nobody holds.
        return self._call("add", True, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", delta, key, delta, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", None)
