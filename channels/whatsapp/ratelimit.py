"""Per-number rate limit: a fixed one-minute window, in Redis when REDIS_URL is set, in-process otherwise.

A message is judged in the minute it *arrived* (not the minute a worker got to it), and judged once: the
limiter remembers each message's place in its window by MessageSid, so a message retried after a worker
failure gets the same verdict instead of being counted again (and silently dropped as over the limit).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

WINDOW_S = 60
log = logging.getLogger(__name__)

# One hash per number and minute: field "#" counts the window's messages, each MessageSid keeps its place.
_PLACE = """
local seen = redis.call('HGET', KEYS[1], ARGV[1])
if seen then return tonumber(seen) end
local n = redis.call('HINCRBY', KEYS[1], '#', 1)
redis.call('HSET', KEYS[1], ARGV[1], n)
redis.call('EXPIRE', KEYS[1], ARGV[2])
return n
"""


@dataclass(frozen=True)
class Verdict:
    """Whether a message may be processed, and whether it is the first one refused in this window."""

    allowed: bool
    first_refusal: bool  # send the one polite throttle notice for this window


class RateLimiter(Protocol):
    """Counts messages per key."""

    def hit(self, key: str, now: float | None = None, token: str | None = None) -> Verdict:
        """Count one message for `key` at `now` (its arrival) and judge it; the same `token` is counted
        once per window and always gets the same verdict."""
        ...


def _verdict(place: int, limit: int) -> Verdict:
    return Verdict(allowed=place <= limit, first_refusal=place == limit + 1)


class MemoryRateLimiter:
    """In-process counters; right for one process (the default `sentient serve`)."""

    def __init__(
        self, per_minute: int, clock: Callable[[], float] = time.time, max_keys: int = 10_000
    ) -> None:
        self.per_minute, self.clock, self.max_keys = per_minute, clock, max_keys
        self._windows: dict[tuple[str, int], dict[str, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None, token: str | None = None) -> Verdict:
        """Count one message for `key` in its minute."""
        window = int((self.clock() if now is None else now) // WINDOW_S)
        with self._lock:
            if len(self._windows) > self.max_keys:  # keep memory bounded: forget finished windows
                self._windows = {k: v for k, v in self._windows.items() if k[1] >= window}
            places = self._windows.setdefault((key, window), {})
            place = places.get(token) if token is not None else None
            if place is None:
                place = len(places) + 1
                places[token if token is not None else f"#{place}"] = place
        return _verdict(place, self.per_minute)


class RedisRateLimiter:
    """Counters shared by every worker process (one Lua call per message on a hash per number and minute)."""

    def __init__(
        self, client: Any, per_minute: int, prefix: str = "wa:rl:", clock: Callable[[], float] = time.time
    ) -> None:
        self.client, self.per_minute, self.prefix, self.clock = client, per_minute, prefix, clock
        self._place = client.register_script(_PLACE)

    def hit(self, key: str, now: float | None = None, token: str | None = None) -> Verdict:
        """Count one message for `key` in its minute."""
        window = int((self.clock() if now is None else now) // WINDOW_S)
        # A message without a token is always new: a field no other message can have.
        field = token if token is not None else f"~{time.time_ns()}:{threading.get_ident()}"
        try:
            place = int(self._place(keys=[f"{self.prefix}{key}:{window}"], args=[field, 2 * WINDOW_S]))
        except Exception:  # Redis down: let messages through rather than go silent (logged)
            log.warning("rate limit unavailable (Redis); allowing %s", key, exc_info=True)
            return Verdict(allowed=True, first_refusal=False)
        return _verdict(place, self.per_minute)


def make_rate_limiter(redis_url: str | None, per_minute: int) -> RateLimiter:
    """Redis-backed when a URL is given, in-process otherwise."""
    if redis_url:
        import redis

        return RedisRateLimiter(redis.Redis.from_url(redis_url, socket_timeout=2), per_minute)
    return MemoryRateLimiter(per_minute)
