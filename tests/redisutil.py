"""A live Redis client for tests, or a skip (a failure under REQUIRE_REDIS=1, which .ci/run sets)."""

from __future__ import annotations

import os
from typing import Any

import pytest

REDIS_TEST_URL = "redis://127.0.0.1:6379/0"


def live_redis() -> Any:
    """A connected redis.Redis; skips (or fails in CI) when no server answers."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but no Redis answers at {REDIS_TEST_URL}")
        pytest.skip(f"no Redis at {REDIS_TEST_URL}")
    return client
