"""Our own commands as real processes in tests: start one with its log, wait for it to answer, stop it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent  # the venv's console scripts: sentient, chroma


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start cmd in its own process group, its output appended to log."""
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_http(url: str, proc: subprocess.Popen[bytes], what: str, timeout_s: float = 90) -> None:
    """Until url answers 200; fails at once if the process exits, or after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{what} exited with {proc.returncode}"
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"{what} did not answer {url}")


def stop(procs: list[subprocess.Popen[bytes]], grace_s: float = 15) -> list[subprocess.Popen[bytes]]:
    """SIGTERM every group, then SIGKILL what is still running after grace_s; returns those killed.

    Every process is reaped either way, so none outlives its test (a leftover Popen warns in the next)."""
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    killed = []
    for proc in procs:
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            killed.append(proc)
    return killed
