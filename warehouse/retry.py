"""Bounded retries for read-only database work that failed because the connection did (not the query).

Only reads go through here: a write whose commit acknowledgement was lost may already have happened, so
retrying it blindly could write twice (the chat log has its own idempotent spool, channels/chatlog_spool.py).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)
T = TypeVar("T")

# What PostgreSQL and psycopg say when the connection, not the statement, failed. A statement timeout or a
# serialization failure is also an OperationalError in psycopg, but retrying those would only add load.
_CONNECTION_MARKERS = (
    "terminating connection",
    "server closed the connection",
    "connection refused",
    "could not connect",
    "connection is closed",
    "connection is lost",
    "consuming input failed",
    "connection timeout expired",
    "connection reset",
    "is not currently accepting connections",
    "the database system is shutting down",
    "the database system is starting up",
    "ssl connection has been closed",
)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a read is retried: `retries` after the first try, doubling from `base_s`."""

    retries: int = 3
    base_s: float = 0.1
    max_s: float = 1.0
    deadline_s: float = 3.0  # the whole call, tries and sleeps together; then the error goes up

    def delay(self, attempt: int) -> float:
        """Full jitter: a random pause up to base·2^attempt (capped), so clients do not retry in step."""
        return random.uniform(0, min(self.max_s, self.base_s * 2**attempt))


class DatabaseUnavailable(Exception):
    """The warehouse could not be reached within the retry budget; callers answer 503."""


def is_transient(exc: BaseException) -> bool:
    """True when `exc` is a lost or refused connection (worth a new connection), not a bad query."""
    if isinstance(exc, PoolTimeout | DatabaseUnavailable):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return any(marker in text for marker in _CONNECTION_MARKERS)


def retry_read(
    fn: Callable[[], T],
    policy: RetryPolicy,
    *,
    what: str = "read",
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Run a read-only `fn`, retrying transient connection errors within the policy's count and deadline."""
    deadline = clock() + policy.deadline_s
    attempt = 0
    while True:
        try:
            return fn()
        except Exception as exc:
            if not is_transient(exc):
                raise
            pause = policy.delay(attempt)
            if attempt >= policy.retries or clock() + pause > deadline:
                raise DatabaseUnavailable(f"{what}: database unreachable after {attempt + 1} tries") from exc
            attempt += 1
            log.warning("%s failed (%s); retry %d in %.2fs", what, type(exc).__name__, attempt, pause)
            sleep(pause)
