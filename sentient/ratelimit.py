"""Per-key fixed-window rate limits: in-process by default, shared through Redis when REDIS_URL is set."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from sentient.observability.metrics import RATE_LIMITED

log = logging.getLogger(__name__)


class Limiter(Protocol):
    """Counts hits per key in a window; `hit` says whether this one is still allowed."""

    def hit(self, bucket: str, key: str, limit: int, window_s: int = 60) -> bool:
        """Record one hit; False once the key has used its `limit` in the current window."""
        ...


class MemoryLimiter:
    """Fixed windows in a dict; good for one process (the default deployment)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.counts: dict[tuple[str, str, int], int] = {}
        self.lock = threading.Lock()

    def hit(self, bucket: str, key: str, limit: int, window_s: int = 60) -> bool:
        """Record one hit; False once the key has used its `limit` in the current window."""
        window = int(self.clock() // window_s)
        with self.lock:
            if len(self.counts) > 50_000:  # old windows: drop them so memory stays bounded
                self.counts = {k: v for k, v in self.counts.items() if k[2] >= window}
            n = self.counts.get((bucket, key, window), 0) + 1
            self.counts[(bucket, key, window)] = n
        if n > limit:
            RATE_LIMITED.labels(bucket=bucket).inc()
            return False
        return True


class RedisLimiter:
    """INCR + EXPIRE per window, shared by every process on the same Redis."""

    def __init__(self, url: str) -> None:
        import redis  # only needed when REDIS_URL is set

        self.client: Any = redis.Redis.from_url(url, socket_timeout=0.5)
        self.fallback = MemoryLimiter()

    def hit(self, bucket: str, key: str, limit: int, window_s: int = 60) -> bool:
        """Record one hit; falls back to the in-process count when Redis does not answer."""
        name = f"sf:rl:{bucket}:{key}:{int(time.time() // window_s)}"
        try:
            pipe = self.client.pipeline()
            pipe.incr(name)
            pipe.expire(name, window_s + 1)
            n = int(pipe.execute()[0])
        except Exception:  # a Redis outage must not lock everyone out
            log.warning("rate limiter: redis unavailable, counting in process")
            return self.fallback.hit(bucket, key, limit, window_s)
        if n > limit:
            RATE_LIMITED.labels(bucket=bucket).inc()
            return False
        return True


def make_limiter(redis_url: str | None) -> Limiter:
    """The limiter for this deployment."""
    return RedisLimiter(redis_url) if redis_url else MemoryLimiter()
