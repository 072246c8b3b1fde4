"""A live NATS JetStream for tests, a throw-away stream per test, and a private nats-server to restart."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from erp.jetstream import Stream, connect

NATS_TEST_URL = os.environ.get("TEST_NATS_URL", "nats://127.0.0.1:4222")


def live_nats() -> str:
    """The shared server's URL; skips (or fails under REQUIRE_NATS=1) when nothing answers."""
    host, port = NATS_TEST_URL.rsplit("//", 1)[1].rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        if os.environ.get("REQUIRE_NATS") == "1":
            pytest.fail(f"REQUIRE_NATS=1 but no NATS answers at {NATS_TEST_URL}")
        pytest.skip(f"no NATS at {NATS_TEST_URL}")
    return NATS_TEST_URL


@contextmanager
def fresh_stream(url: str) -> Iterator[Stream]:
    """A stream name no other test uses; both its streams are deleted afterwards."""
    stream = Stream(name=f"ERPT{uuid.uuid4().hex[:10].upper()}", durable="loader")
    try:
        yield stream
    finally:

        async def drop() -> None:
            nc = await connect(url)
            js = nc.jetstream()
            for name in (stream.name, f"{stream.name}_DLQ"):
                with contextlib.suppress(Exception):  # never created by this test
                    await js.delete_stream(name)
            await nc.close()

        asyncio.run(drop())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateNats:
    """A nats-server of our own (JetStream on a temp dir): the shared one is never restarted."""

    def __init__(self, store: Path) -> None:
        binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
        if not Path(binary).exists():
            pytest.skip("no nats-server binary for the restart test")
        self.binary, self.store, self.port = binary, store, _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its client URL."""
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start (or restart) on the same port and store; returns once it accepts connections."""
        self.proc = subprocess.Popen(
            [self.binary, "-js", "-sd", str(self.store), "-a", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("private nats-server did not start")

    def stop(self) -> None:
        """Stop it (SIGTERM, then wait)."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None
