"""Conversation memory in Redis, so a follow-up finds its context on any app replica or worker."""

from __future__ import annotations

import hashlib
import hmac
import logging
import pickle
from typing import Any

from agent.router import Plan

log = logging.getLogger(__name__)
_PREFIX = "sentient:memory:"


class RedisMemory:
    """The same interface as agent.memory.Memory, shared across processes, expiring by Redis TTL.

    Plans are pickled because they hold dates, Decimals and nested dataclasses; every value is signed with
    HMAC-SHA256 under SECRET_KEY and refused unsigned, so whoever can write to Redis still cannot make
    this process unpickle their bytes.
    """

    def __init__(self, client: Any, secret: bytes, ttl_s: float = 30 * 60) -> None:
        self.client, self.secret, self.ttl_s = client, secret, ttl_s

    @classmethod
    def from_url(cls, url: str, secret: bytes, ttl_s: float = 30 * 60) -> RedisMemory:
        """Connect to REDIS_URL (short timeouts: memory is a convenience, never worth a slow answer)."""
        import redis

        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return cls(client, secret, ttl_s)

    def get(self, key: str) -> Plan | None:
        """The last plan of a conversation, or None (also when Redis is down or the value is forged)."""
        try:
            raw = self.client.get(_PREFIX + key)
        except Exception as exc:  # Redis down: the question is answered without follow-up context
            log.warning("conversation memory unavailable: %s", type(exc).__name__)
            return None
        if not raw or len(raw) < 32:
            return None
        sig, body = raw[:32], raw[32:]
        if not hmac.compare_digest(sig, self._sign(body)):
            log.warning("conversation memory value for %r has a bad signature; ignored", key)
            return None
        plan = pickle.loads(body)  # signed by us above, so this is our own pickle
        return plan if isinstance(plan, Plan) else None

    def put(self, key: str, plan: Plan) -> None:
        """Remember a conversation's plan for ttl_s seconds."""
        body = pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.client.set(_PREFIX + key, self._sign(body) + body, px=int(self.ttl_s * 1000))
        except Exception as exc:  # losing a follow-up context is better than failing the answer
            log.warning("conversation memory not saved: %s", type(exc).__name__)

    def _sign(self, body: bytes) -> bytes:
        return hmac.new(self.secret, body, hashlib.sha256).digest()
