"""Sync callers of the async LLM path (CLI, WhatsApp worker threads): which event loop runs their turn.

The model client pools connections per event loop, so turns must not each spin up a loop of their own:
with a serving app they run on its loop (the `home` loop, where the client already lives); without one
(the CLI) on one private loop kept for the process.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class SyncRunner:
    """Runs coroutines for synchronous code on the right loop."""

    def __init__(self, home: Callable[[], asyncio.AbstractEventLoop | None] = lambda: None) -> None:
        self.home = home
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()  # the private loop runs one turn at a time

    def __call__(self, coro: Coroutine[Any, Any, T]) -> T:
        """The coroutine's result, computed on the home loop when it runs, else on the private loop."""
        home = self.home()
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if home is not None and home.is_running() and home is not current:
            return asyncio.run_coroutine_threadsafe(coro, home).result()
        if current is not None:  # sync code called from inside a loop: never block that loop's thread
            with ThreadPoolExecutor(1) as pool:
                return pool.submit(self._private, coro).result()
        return self._private(coro)

    def _private(self, coro: Coroutine[Any, Any, T]) -> T:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                self._loop = asyncio.new_event_loop()
            return self._loop.run_until_complete(coro)

    def close(self, cleanup: Callable[[], Coroutine[Any, Any, None]] | None = None) -> None:
        """Run `cleanup` (closing the model client's connections) on the private loop, then close it."""
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is not None and not loop.is_closed():
            if cleanup is not None:
                loop.run_until_complete(cleanup())
            loop.close()
