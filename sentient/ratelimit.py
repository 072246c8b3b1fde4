"""Per-key fixed-window rate limits: in-process by default, shared through Redis when REDIS_URL is set."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from channels.ratelimit import MemoryCounter, RedisCounter
from telemetry.metrics import RATE_LIMITED

log = logging.getLogger(__name__)


class Limiter(Protocol):
    """Counts hits per key in a window; `hit` says whether this one is still allowed."""

    def hit(self, bucket: str, key: str, limit: int, window_s: int = 60) -> bool:
        """Record one hit; False once the key has used its `limit` in the current window."""
        ...


class MemoryLimiter:
    """Fixed windows counted in process; good for one process (the default deployment)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.counter = MemoryCounter(max_keys=50_000)

    def hit(self, bucket: str, key: str, limit: int, window_s: int = 60) -> bool:
        """Record one hit; False once the key has used its `limit` in the current window."""
        return _judge(self.counter.incr(f"{bucket}:{key}", window_s, self.clock()), bucket, limit)


class RedisLimiter:
    """Windows counted in Redis, shared by every process on the same Redis."""

    def __init__(self, url: str) -> None:
        import redis  # only needed when REDIS_URL is set

        self.counter = RedisCounter(redis.Redis.from_url(url, socket_timeout=0.5), "sf:rl:")
        self.fallback = MemoryLimiter()

    def hit(self, bucket: str, key: str, limit: int, window_s: int = 60) -> bool:
        """Record one hit; falls back to the in-process count when Redis does not answer."""
        try:
            n = self.counter.incr(f"{bucket}:{key}", window_s, time.time())
        except Exception:  # a Redis outage must not lock everyone out
            log.warning("rate limiter: redis unavailable, counting in process")
            return self.fallback.hit(bucket, key, limit, window_s)
        return _judge(n, bucket, limit)


def _judge(n: int, bucket: str, limit: int) -> bool:
    if n > limit:
        RATE_LIMITED.labels(bucket=bucket).inc()
        return False
    return True


def make_limiter(redis_url: str | None) -> Limiter:
    """The limiter for this deployment."""
    return RedisLimiter(redis_url) if redis_url else MemoryLimiter()
