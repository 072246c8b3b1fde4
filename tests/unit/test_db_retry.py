"""The read retry helper: only lost or refused connections are retried, bounded by count and deadline."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from warehouse.retry import DatabaseUnavailable, RetryPolicy, is_transient, retry_read


def dropped(message: str = "terminating connection due to administrator command") -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception(message))


class Flaky:
    """Fails with `errors` in turn, then answers 42; counts calls."""

    def __init__(self, *errors: Exception) -> None:
        self.errors, self.calls = list(errors), 0

    def __call__(self) -> int:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return 42


def test_transient_errors_are_connection_errors_only() -> None:
    assert is_transient(dropped())
    assert is_transient(dropped('database "x" is not currently accepting connections'))
    assert is_transient(dropped("connection failed: Connection refused"))
    assert not is_transient(dropped("canceling statement due to statement timeout"))
    assert not is_transient(dropped("database is locked"))
    assert not is_transient(ValueError("terminating connection"))


def test_a_dropped_connection_is_retried_with_growing_backoff() -> None:
    sleeps: list[float] = []
    fn = Flaky(dropped(), dropped())
    policy = RetryPolicy(retries=3, base_s=0.1, max_s=10, deadline_s=60)
    assert retry_read(fn, policy, sleep=sleeps.append) == 42
    assert fn.calls == 3 and len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.1 and 0 <= sleeps[1] <= 0.2  # full jitter under base * 2^attempt


def test_retries_stop_after_the_count() -> None:
    fn = Flaky(*[dropped() for _ in range(10)])
    with pytest.raises(DatabaseUnavailable):
        retry_read(fn, RetryPolicy(retries=3, base_s=0.001, deadline_s=60), sleep=lambda _s: None)
    assert fn.calls == 4  # the first try and three retries


def test_retries_stop_at_the_deadline() -> None:
    now = [0.0]
    fn = Flaky(*[dropped() for _ in range(10)])

    def sleep(seconds: float) -> None:
        now[0] += seconds + 1.0  # each pause and try costs more than a second

    with pytest.raises(DatabaseUnavailable):
        retry_read(
            fn, RetryPolicy(retries=10, base_s=0.01, deadline_s=2.5), sleep=sleep, clock=lambda: now[0]
        )
    assert fn.calls <= 4


def test_a_bad_query_is_not_retried() -> None:
    fn = Flaky(dropped("syntax error at or near SELEC"))
    with pytest.raises(OperationalError):
        retry_read(fn, RetryPolicy(), sleep=lambda _s: None)
    assert fn.calls == 1
