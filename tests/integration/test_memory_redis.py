"""Conversation memory in Redis: follow-ups work across agents (replicas), forged values are refused."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from agent.factory import make_agent
from agent.memory_redis import RedisMemory
from agent.router import Plan
from tests.integration.toolkit import role_caller
from tests.redisutil import live_redis

redis = pytest.importorskip("redis")


@pytest.fixture
def client() -> redis.Redis:
    """A live Redis client (skips without a server; fails under REQUIRE_REDIS=1, as in CI)."""
    return live_redis()


def test_follow_up_crosses_replicas(seeded_engine: Engine, spec_today: date, client: redis.Redis) -> None:
    """Two agents (two app replicas) sharing Redis: the second answers the follow-up of the first."""
    sessions = sessionmaker(seeded_engine)
    secret = uuid.uuid4().bytes
    first, second = (make_agent(sessions, spec_today, memory=RedisMemory(client, secret)) for _ in "ab")
    caller = role_caller(seeded_engine, "DIRECTOR")
    conversation = f"test:{uuid.uuid4()}"
    asked = first.ask(caller, "berapa omzet bulan ini?", conversation)
    follow = second.ask(caller, "dan bulan lalu?", conversation)
    assert follow.intent == asked.intent == "sales_summary"
    assert follow.tools[0]["args"] != asked.tools[0]["args"]  # same question, the previous month
    alone = second.ask(caller, "dan bulan lalu?", f"test:{uuid.uuid4()}")
    assert alone.intent != "sales_summary"  # without the shared memory there is no context


def test_a_clarification_is_answered_on_another_replica(
    seeded_engine: Engine, spec_today: date, client: redis.Redis
) -> None:
    """The numbered question asked by one replica is continued by '1' on another (WhatsApp workers)."""
    sessions = sessionmaker(seeded_engine)
    secret = uuid.uuid4().bytes
    first, second = (make_agent(sessions, spec_today, memory=RedisMemory(client, secret)) for _ in "ab")
    caller = role_caller(seeded_engine, "DIRECTOR")
    conversation = f"test:{uuid.uuid4()}"
    asked = first.ask(caller, "biaya bulan ini", conversation)
    assert asked.intent == "clarify"
    picked = second.ask(caller, "1", conversation)
    assert picked.intent == "query_metrics" and picked.tools


def test_forged_or_foreign_values_are_ignored(client: redis.Redis) -> None:
    """A value not signed with our secret is never unpickled."""
    key = f"test:{uuid.uuid4()}"
    mine, other = RedisMemory(client, b"a" * 32, ttl_s=5), RedisMemory(client, b"b" * 32, ttl_s=5)
    mine.put(key, Plan("sales_summary", {"period": "mtd"}))
    got = mine.get(key)
    assert got is not None and got.tool == "sales_summary"
    assert other.get(key) is None
    client.set("sentient:memory:" + key, b"\x00" * 40 + b"cos\nsystem\n(S'true'\ntR.")
    assert mine.get(key) is None


def test_expires_with_ttl(client: redis.Redis) -> None:
    """Plans expire by Redis TTL, like the in-process memory's."""
    # 30.9 s: set in milliseconds (whole seconds would read 30 000 or 31 000), and 900 ms for a loaded
    # machine between the two commands (a 0.2 s TTL could run out first: pttl -2).
    memory, key = RedisMemory(client, b"k" * 32, ttl_s=30.9), f"test:{uuid.uuid4()}"
    memory.put(key, Plan("cash_position", {}))
    assert 30_000 < client.pttl("sentient:memory:" + key) <= 30_900
    client.delete("sentient:memory:" + key)


def test_redis_down_degrades_to_no_context() -> None:
    """With Redis unreachable the agent still answers; only the follow-up context is lost."""
    memory = RedisMemory.from_url("redis://127.0.0.1:1/0", b"k" * 32)
    memory.put("x", Plan("cash_position", {}))
    assert memory.get("x") is None
