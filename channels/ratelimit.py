"""Fixed-window hit counters for the web sign-in and chat limits: in-process, or in Redis so that every
replica counts together. (The WhatsApp per-number limit keeps each MessageSid's place instead of a bare
count, so a retried message is not counted twice: channels/whatsapp/ratelimit.py.)"""

from __future__ import annotations

import threading
from typing import Any, Protocol


class WindowCounter(Protocol):
    """Counts hits of a name in the fixed window `now // window_s`."""

    def incr(self, name: str, window_s: int, now: float) -> int:
        """Count one hit and return the window's count so far (raises when the store does not answer)."""
        ...

    def count(self, name: str, window_s: int, now: float) -> int:
        """The window's count so far, without counting a hit."""
        ...


class MemoryCounter:
    """Counts in a dict; right for one process. Old windows are dropped once `max_keys` is passed."""

    def __init__(self, max_keys: int = 50_000) -> None:
        self.max_keys = max_keys
        self.counts: dict[tuple[str, int], int] = {}
        self.lock = threading.Lock()

    def incr(self, name: str, window_s: int, now: float) -> int:
        """Count one hit of `name` in the current window."""
        window = int(now // window_s)
        with self.lock:
            if len(self.counts) > self.max_keys:  # keep memory bounded: forget finished windows
                self.counts = {k: v for k, v in self.counts.items() if k[1] >= window}
            n = self.counts.get((name, window), 0) + 1
            self.counts[(name, window)] = n
        return n

    def count(self, name: str, window_s: int, now: float) -> int:
        """The current window's count of `name`, without counting a hit."""
        with self.lock:
            return self.counts.get((name, int(now // window_s)), 0)


class RedisCounter:
    """INCR + EXPIRE on one key per name and window (`<prefix><name>:<window>`)."""

    def __init__(self, client: Any, prefix: str, ttl_extra_s: int = 1) -> None:
        self.client, self.prefix, self.ttl_extra_s = client, prefix, ttl_extra_s

    def incr(self, name: str, window_s: int, now: float) -> int:
        """Count one hit of `name` in the current window; Redis errors propagate to the caller's policy."""
        key = f"{self.prefix}{name}:{int(now // window_s)}"
        pipe = self.client.pipeline()
        pipe.incr(key)
        pipe.expire(key, window_s + self.ttl_extra_s)
        return int(pipe.execute()[0])

    def count(self, name: str, window_s: int, now: float) -> int:
        """The current window's count of `name`, without counting a hit."""
        found = self.client.get(f"{self.prefix}{name}:{int(now // window_s)}")
        return int(found or 0)
