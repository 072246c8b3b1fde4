"""Conversation memory: the last plan of each conversation, for follow-ups ("dan bulan lalu?")."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Protocol

from agent.router import Plan


class ConversationMemory(Protocol):
    """Where the agent keeps each conversation's last plan: in-process (Memory) or shared (RedisMemory)."""

    def get(self, key: str) -> Plan | None:
        """The last plan of a conversation, or None."""

    def put(self, key: str, plan: Plan) -> None:
        """Remember a conversation's plan."""


class Memory:
    """In-process, bounded, expiring memory of each conversation's last plan (one app process)."""

    def __init__(self, ttl_s: float = 30 * 60, max_conversations: int = 10_000) -> None:
        self.ttl_s, self.max = ttl_s, max_conversations
        self._items: OrderedDict[str, tuple[float, Plan]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Plan | None:
        """The last plan of a conversation, unless it expired."""
        with self._lock:
            item = self._items.get(key)
            if item is None or time.monotonic() - item[0] > self.ttl_s:
                self._items.pop(key, None)
                return None
            return item[1]

    def put(self, key: str, plan: Plan) -> None:
        """Remember a conversation's plan, forgetting the oldest conversation when full."""
        with self._lock:
            self._items[key] = (time.monotonic(), plan)
            self._items.move_to_end(key)
            while len(self._items) > self.max:
                self._items.popitem(last=False)
