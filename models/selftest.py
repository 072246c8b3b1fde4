"""A model server's start-up self-test: one short multi-token completion, timed, or the reason it failed.

A server can list its models and still die on the first real prompt (issue 12: llama.cpp built with AMX
kernels crashed in batched prompt processing). The test prompt is long enough to be processed as a batch,
so a build that cannot do that is caught at start, not on an executive's first question.
"""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass

import httpx

# About 40 prompt tokens with the chat template: several batched tokens, a fraction of a second to process.
TEST_MESSAGES = [
    {"role": "system", "content": "You are a start-up check. Answer with one short word."},
    {"role": "user", "content": "The press line is running and the shift has started. Reply with OK."},
]


@dataclass(frozen=True)
class SelfTest:
    """What the test completion measured (or why it failed: ok False and a reason for people)."""

    ok: bool
    reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0

    @property
    def tokens_per_s(self) -> float:
        """Prompt and completion tokens processed per second of the whole call."""
        return (self.prompt_tokens + self.completion_tokens) / self.seconds if self.seconds else 0.0


def exit_reason(returncode: int | None) -> str:
    """'SIGSEGV' for a process killed by a signal, 'exit code 1' otherwise."""
    if returncode is None:
        return "still running"
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


def run_self_test(
    base_url: str, model: str, process: subprocess.Popen[bytes] | None, timeout_s: float = 60.0
) -> SelfTest:
    """POST one chat completion to base_url; a process that died of it, during or just after the answer,
    is named by the signal that killed it."""
    body = {"model": model, "messages": TEST_MESSAGES, "max_tokens": 8, "temperature": 0}
    started = time.perf_counter()
    try:
        response = httpx.post(f"{base_url}/chat/completions", json=body, timeout=timeout_s)
        seconds = time.perf_counter() - started
        response.raise_for_status()
        usage = response.json().get("usage") or {}
        prompt, completion = int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
    except (httpx.HTTPError, ValueError) as exc:
        return SelfTest(False, _crash(process) or f"local model failed a test prompt: {_detail(exc)}")
    if not _serving(base_url):  # it answered, then died of the prompt
        return SelfTest(False, _crash(process) or "local model stopped answering after its test prompt")
    if prompt < 2 or completion < 1:  # a server that skipped the work would pass silently otherwise
        return SelfTest(
            False, f"local model returned an empty test completion ({prompt}+{completion} tokens)"
        )
    return SelfTest(True, None, prompt, completion, seconds)


def _serving(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/models", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def _crash(process: subprocess.Popen[bytes] | None) -> str | None:
    """'local model crashed on a test prompt: SIGSEGV' when the process has ended, else None."""
    if process is None:
        return None
    try:  # a crash closes the connection a moment before the process is reaped
        code = process.wait(timeout=2.0)
    except subprocess.TimeoutExpired:
        return None
    return f"local model crashed on a test prompt: {exit_reason(code)}"


def _detail(exc: Exception) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    return type(exc).__name__
