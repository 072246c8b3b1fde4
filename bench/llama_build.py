"""`python -m bench.run --only llama`: prompt and decode tokens/s of the embedded model's llama.cpp build.

Rows: the installed (portable) build with batched prompt processing (n_batch 512, what the sidecar uses)
against n_batch=1 (the workaround issue 12 ruled out) as the baseline in the same run. Other builds can join
the table: BENCH_LLAMA_BUILDS="native=/path/to/unpacked-wheel,…" puts each folder first on PYTHONPATH
(make one with `LLAMA_CMAKE_ARGS=-DGGML_NATIVE=ON scripts/install-llama.sh PYTHON`, then unzip the wheel).
Each measurement runs in its own process, so a build that crashes is reported, not fatal.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from models.selftest import exit_reason
from models.sidecar import SidecarError, find_gguf, llama_server_available

ROOT = Path(__file__).resolve().parent.parent
PROMPT_TOKENS = 400  # a sandwich prompt with live data is 300-600 tokens


def run_child(gguf: Path, n_batch: int, build: str | None) -> dict[str, Any]:
    """One measurement in a child process; {'error': …} when it crashed or failed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (build, str(ROOT), env.get("PYTHONPATH")) if p)
    cmd = [sys.executable, "-m", "bench.llama_child", str(gguf), str(n_batch), str(PROMPT_TOKENS)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    if done.returncode:
        return {"n_batch": n_batch, "error": exit_reason(done.returncode)}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def builds() -> list[tuple[str, str | None]]:
    """(label, folder on PYTHONPATH or None for the installed build)."""
    extra = [
        item.split("=", 1) for item in os.environ.get("BENCH_LLAMA_BUILDS", "").split(",") if "=" in item
    ]
    return [("installed (portable)", None), *[(label, path) for label, path in extra]]


def packaged_gguf() -> Path | str:
    """The packaged model file, or why the local-model benchmarks cannot run (printed, for the figures)."""
    why = "llama-cpp-python[server] is not installed"
    if llama_server_available():
        try:
            return find_gguf()
        except SidecarError as exc:
            why = str(exc)
    print(f"skipped: {why}")
    return why


def llama_section(args: argparse.Namespace) -> dict[str, Any]:
    """Batched vs one-token prompt processing, per build; skipped with the reason without llama.cpp."""
    gguf = packaged_gguf()
    if isinstance(gguf, str):
        return {"skipped": gguf}
    rows = [
        {"build": label, **run_child(gguf, n_batch, path)} for label, path in builds() for n_batch in (512, 1)
    ]
    print_table(rows, gguf.name)
    return {"model": gguf.name, "prompt_tokens": PROMPT_TOKENS, "rows": rows}


def print_table(rows: list[dict[str, Any]], model: str) -> None:
    """Tokens/s per build and n_batch, with each batched row's ratio to n_batch=1 of the same build."""
    print(f"llama.cpp on {model}, {PROMPT_TOKENS}-token prompt, 32 decoded tokens, medians of 3")
    print(f"{'build':<24} {'n_batch':>7} {'prompt tok/s':>13} {'decode tok/s':>13} {'vs n_batch=1':>13}")
    base = {r["build"]: r.get("prompt_tokens_per_s") for r in rows if r["n_batch"] == 1}
    for r in rows:
        if "error" in r:
            print(f"{r['build']:<24} {r['n_batch']:>7} {'crashed: ' + r['error']:>27}")
            continue
        ref = base.get(r["build"])
        ratio = f"{r['prompt_tokens_per_s'] / ref:.1f}x" if ref and r["n_batch"] != 1 else "baseline"
        print(
            f"{r['build']:<24} {r['n_batch']:>7} {r['prompt_tokens_per_s']:>13,.0f} "
            f"{r['decode_tokens_per_s']:>13,.1f} {ratio:>13}"
        )
