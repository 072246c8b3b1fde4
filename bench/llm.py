"""`python -m bench.run --only llm`: the embedded local model (SmolLM2-135M on llama.cpp) on this machine.

Figures: time to first token and decode tokens/s (p50/p95 over the sandwich prompts of golden-set turns),
the share of golden-set turns whose phrasing passes the output and grounding checks (mode "llm"), and the
sandwich's prompt tokens per role tier and language. Baseline in the same run: the deterministic answer
latency of the same turns. BENCH_LLM_TURNS (default 16) golden turns are asked; 0 means all.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from agent.core import Reply
from agent.factory import make_agent
from agent.llm import LlmAgent, LlmConfig
from agent.llm_support import context_items, phrasable
from bench.llama_build import packaged_gguf
from channels.identity import load_caller
from eval.facts import render as fill
from eval.facts import resolve_vars
from eval.golden import load_golden
from models.breaker import BreakerConfig, CircuitBreaker, GuardedModel
from models.openai_compat import OpenAICompatModel, Timeouts
from models.sidecar import MODEL_ALIAS, Sidecar
from prompts import ContextItem, render
from tools.registry import Caller
from warehouse.db import make_engine, make_session_factory
from warehouse.migrate import upgrade
from warehouse.seed.base import seed_base
from warehouse.seed.calendar import SPEC_TODAY

ROLES = {"executive": "DIRECTOR", "manager": "MANAGER_SALES", "operator": "OPERATOR"}
TIMEOUTS = Timeouts(connect_s=5, first_token_s=120, total_s=180)


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, nearest rank; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


@contextmanager
def scratch_warehouse() -> Iterator[tuple[Any, Path]]:
    """A seeded SQLite warehouse as of the spec's day, in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="bench-llm-") as tmp:
        engine = make_engine(f"sqlite:///{tmp}/w.db")
        upgrade(engine)
        seed_base(engine, SPEC_TODAY, ZoneInfo("Asia/Jakarta"))
        try:
            yield engine, Path(tmp)
        finally:
            engine.dispose()


def golden_turns(sessions: Any, limit: int) -> list[tuple[Caller, str]]:
    """(caller, question) of the golden set's first turns, placeholders filled; `limit` 0 means all."""
    with sessions() as session:
        variables = resolve_vars(session, SPEC_TODAY)
        out = [
            (load_caller(session, item.user), fill(item.turns[0].question, variables))
            for item in load_golden()
        ]
    return out[:limit] if limit else out


def sandwich_tokens(replies: list[tuple[Caller, str, Reply]]) -> dict[str, int]:
    """Prompt tokens of the sandwich per tier and language, on a real tool result of the golden set."""
    sample = next((r for _, _, r in replies if phrasable(r)), None)
    context = context_items(sample) if sample else [ContextItem("data", {"total": 463_700_000})]
    out: dict[str, int] = {}
    for tier, role in ROLES.items():
        for lang in ("id", "en"):
            out[f"{tier}.{lang}"] = render(
                role, lang, question="berapa omzet bulan ini?", context=context
            ).prompt_tokens
            out[f"{tier}.{lang}.empty_context"] = render(
                role, lang, question="halo", context=[]
            ).prompt_tokens
    return out


async def measure(llm: LlmAgent, replies: list[tuple[Caller, str, Reply]]) -> dict[str, Any]:
    """Ask each phrasable turn through the streaming LLM path: TTFT, decode tokens/s, modes, latency."""
    ttft: list[float] = []
    rate: list[float] = []
    prompt_tokens: list[float] = []
    turn_ms: list[float] = []
    modes: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for caller, question, base in replies:
        if not phrasable(base):
            continue
        prompt_tokens.append(llm.render(caller, question, base).prompt_tokens)
        started = time.perf_counter()
        reply = None
        async for event in llm.astream(caller, question, f"bench-{len(turn_ms)}"):
            reply = event.reply or reply
        assert reply is not None
        turn_ms.append((time.perf_counter() - started) * 1000)
        modes[reply.mode] = modes.get(reply.mode, 0) + 1
        if reply.reason:
            kind = reply.reason.split(":")[0]
            reasons[kind] = reasons.get(kind, 0) + 1
        meta = reply.meta
        if meta.get("ttft_ms") is not None and meta.get("model_tokens_out", 0) > 1:
            ttft.append(meta["ttft_ms"])
            decode_s = max(1e-6, (meta["model_latency_ms"] - meta["ttft_ms"]) / 1000)
            rate.append((meta["model_tokens_out"] - 1) / decode_s)
    phrased = sum(modes.values())
    return {
        "ttft_ms": {"p50": pct(ttft, 0.5), "p95": pct(ttft, 0.95), "n": len(ttft)},
        "decode_tokens_per_s": {"p50": pct(rate, 0.5), "p95": pct(rate, 0.95)},
        "prompt_tokens": {"p50": pct(prompt_tokens, 0.5), "max": max(prompt_tokens, default=0)},
        "llm_turn_ms": {"p50": pct(turn_ms, 0.5), "p95": pct(turn_ms, 0.95)},
        "grounding_pass_share": round(modes.get("llm", 0) / phrased, 3) if phrased else None,
        "phrased_turns": phrased,
        "modes": modes,
        "fallback_reasons": reasons,
    }


async def run_model(
    llm: LlmAgent, client: OpenAICompatModel, replies: list[tuple[Caller, str, Reply]]
) -> dict[str, Any]:
    """measure() on one event loop, closing the client's connections at the end."""
    try:
        return await measure(llm, replies)
    finally:
        await client.aclose()


def llm_section(args: argparse.Namespace) -> dict[str, Any]:
    """Run the local model bench; skipped with the reason when llama.cpp or the GGUF is missing."""
    limit = int(os.environ.get("BENCH_LLM_TURNS", "16"))
    gguf = packaged_gguf()
    if isinstance(gguf, str):
        return {"skipped": gguf}
    with scratch_warehouse() as (engine, tmp):
        sessions = make_session_factory(engine)
        agent = make_agent(sessions, SPEC_TODAY)
        turns = golden_turns(sessions, limit)
        replies: list[tuple[Caller, str, Reply]] = []
        det_ms: list[float] = []
        for caller, question in turns:  # baseline: the deterministic turn, same questions
            started = time.perf_counter()
            replies.append((caller, question, agent.ask(caller, question, f"det-{len(replies)}")))
            det_ms.append((time.perf_counter() - started) * 1000)
        server = Sidecar(gguf, log_path=tmp / "sidecar.log")
        server.start()
        try:
            client = OpenAICompatModel(server.base_url, MODEL_ALIAS, timeouts=TIMEOUTS)
            guarded = GuardedModel(
                client, CircuitBreaker(BreakerConfig(failure_threshold=1000, slow_call_s=1e9))
            )
            llm = LlmAgent(agent, lambda: guarded, LlmConfig(max_tokens=160, wall_s=300))
            figures = asyncio.run(run_model(llm, client, replies))
        finally:
            server.stop()
    figures["deterministic_turn_ms"] = {"p50": pct(det_ms, 0.5), "p95": pct(det_ms, 0.95)}
    figures["turns_asked"] = len(replies)
    figures["sandwich_prompt_tokens"] = sandwich_tokens(replies)
    figures["model"] = f"{MODEL_ALIAS} ({gguf.name}), {server.command()[-1]} threads, as of {date.today()}"
    print_table(figures)
    return figures


def print_table(f: dict[str, Any]) -> None:
    """The figures as plain text, with the LLM turn against the deterministic baseline."""
    det, turn = f["deterministic_turn_ms"], f["llm_turn_ms"]
    ratio = turn["p50"] / det["p50"] if det["p50"] else float("nan")
    print(f"model: {f['model']}")
    print(f"time to first token  p50 {f['ttft_ms']['p50']:8.0f} ms   p95 {f['ttft_ms']['p95']:8.0f} ms")
    rate = f["decode_tokens_per_s"]
    print(f"decode tokens/s      p50 {rate['p50']:8.1f}      p95 {rate['p95']:8.1f}")
    print(f"deterministic turn   p50 {det['p50']:8.1f} ms   p95 {det['p95']:8.1f} ms   (baseline)")
    print(f"LLM turn             p50 {turn['p50']:8.0f} ms   p95 {turn['p95']:8.0f} ms   ({ratio:,.0f}x)")
    share = f["grounding_pass_share"]
    print(f"grounding pass share {'-' if share is None else f'{share:.1%}'} of {f['phrased_turns']} turns")
    print(f"modes {f['modes']}  fallback reasons {f['fallback_reasons']}")
    print("sandwich prompt tokens: " + ", ".join(f"{k} {v}" for k, v in f["sandwich_prompt_tokens"].items()))
