"""Per-number rate limit: a fixed one-minute window, in Redis when REDIS_URL is set, in-process otherwise."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from channels.ratelimit import MemoryCounter, RedisCounter

WINDOW_S = 60
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """Whether a message may be processed, and whether it is the first one refused in this window."""

    allowed: bool
    first_refusal: bool  # send the one polite throttle notice for this window


class RateLimiter(Protocol):
    """Counts messages per key."""

    def hit(self, key: str, now: float | None = None) -> Verdict:
        """Count one message for `key` and judge it."""
        ...


def _verdict(count: int, limit: int) -> Verdict:
    return Verdict(allowed=count <= limit, first_refusal=count == limit + 1)


class MemoryRateLimiter:
    """In-process counters; right for one process (the default `sentient serve`)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.per_minute, self.clock = per_minute, clock
        self._counter = MemoryCounter(max_keys=10_000)

    def hit(self, key: str, now: float | None = None) -> Verdict:
        """Count one message for `key` in the current minute."""
        count = self._counter.incr(key, WINDOW_S, self.clock() if now is None else now)
        return _verdict(count, self.per_minute)


class RedisRateLimiter:
    """Counters shared by every worker process (INCR + EXPIRE on one key per number and minute)."""

    def __init__(
        self, client: Any, per_minute: int, prefix: str = "wa:rl:", clock: Callable[[], float] = time.time
    ) -> None:
        self.per_minute, self.clock = per_minute, clock
        self._counter = RedisCounter(client, prefix, ttl_extra_s=WINDOW_S)

    def hit(self, key: str, now: float | None = None) -> Verdict:
        """Count one message for `key` in the current minute."""
        try:
            count = self._counter.incr(key, WINDOW_S, self.clock() if now is None else now)
        except Exception:  # Redis down: let messages through rather than go silent (logged)
            log.warning("rate limit unavailable (Redis); allowing %s", key, exc_info=True)
            return Verdict(allowed=True, first_refusal=False)
        return _verdict(count, self.per_minute)


def make_rate_limiter(redis_url: str | None, per_minute: int) -> RateLimiter:
    """Redis-backed when a URL is given, in-process otherwise."""
    if redis_url:
        import redis

        return RedisRateLimiter(redis.Redis.from_url(redis_url, socket_timeout=2), per_minute)
    return MemoryRateLimiter(per_minute)
