"""`python -m bench.run --only semantic`: semantic-layer queries at --scale N on PostgreSQL, with rollups.

For each question class (bench/semantic_questions.py): p50/p95 of Compiler.run in process answering from
the pre-aggregates, the same without them (base tables), and the baseline, the same aggregate hand-written
as raw SQL over the base tables on the same pool; every answer is checked equal to the baseline's first.
The scaled database is kept as `sf_bench_semantic_s<N>`: reused (migrated forward, rollups refreshed if
stale) while its seed is complete, else built (minutes at scale 100).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from agent.factory import make_agent
from bench import seed_scale
from bench.agent_latency import percentiles
from bench.semantic_questions import ANCHOR, ASKED, QUESTIONS, Question
from channels.identity import load_caller
from semantic.catalog import CATALOG
from semantic.compiler import Compiler, QueryResult
from semantic.picker import RollupPicker
from warehouse.seed.calendar import SPEC_TODAY

REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
TARGET_P95_MS = 30.0
console = Console()


def _time(fn: Callable[[], Any], repeat: int) -> list[float]:
    fn()  # warm caches and plans once
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def _raw(engine: Engine, question: Question) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(question.sql), question.params)]


def _compile(sessions: sessionmaker[Session], compiler: Compiler, question: Question) -> QueryResult:
    with sessions() as session:
        return compiler.run(session, question.query)


def _num(value: Any, metric: str) -> Decimal:
    """A value as the compiler reports it: money to the cent, percentages to 0.1; None and 0 alike."""
    unit = CATALOG.metrics[metric].unit
    value = Decimal(str(value or 0))
    if unit == "money":
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if unit == "pct" else value


def as_rows(result: QueryResult) -> list[tuple[Any, ...]]:
    """A compiler result in the raw SQL's shape: key, the metrics, then (compared) the metrics before."""
    metrics, query = result.query.metrics, result.query
    if not query.group_by:
        return [tuple(_num(result.total[m], m) for m in metrics)]
    out = []
    for row in result.rows:
        before = [_num(row.previous.get(m), m) for m in metrics] if query.compare else []
        out.append((*row.key, *(_num(row.values[m], m) for m in metrics), *before))
    return out


def normalise(question: Question, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Raw SQL rows with their figures read as the compiler reports them, in the compiler's order."""
    query, width = question.query, len(question.query.group_by)
    metrics = query.metrics * (2 if query.compare else 1)
    out = [(*r[:width], *(_num(v, m) for v, m in zip(r[width:], metrics, strict=True))) for r in rows]
    return out if query.order or not width else sorted(out, key=lambda r: tuple(str(k) for k in r[:width]))


def _check(question: Question, result: QueryResult, raw: list[tuple[Any, ...]], how: str) -> None:
    got, want = as_rows(result), normalise(question, raw)
    if not (question.query.order or question.query.limit):
        got = sorted(got, key=lambda r: tuple(str(k) for k in r[: len(question.query.group_by)]))
    if got != want:
        raise AssertionError(f"{question.label} ({how}) differs from raw SQL: {got[:3]} vs {want[:3]}")


def run_semantic_bench(engine: Engine, repeat: int = REPEAT) -> list[dict[str, Any]]:
    """Time every question three ways after checking each answers the same as its raw SQL."""
    sessions = sessionmaker(engine)
    with_rollups, base = Compiler(SPEC_TODAY, rollups=RollupPicker()), Compiler(SPEC_TODAY)
    agent = make_agent(sessions, ANCHOR)  # "this month" of the asked questions is the query spans' month
    with sessions() as session:
        director = load_caller(session, "director")
    rows = []
    for q in QUESTIONS:
        raw = _raw(engine, q)
        rolled = _compile(sessions, with_rollups, q)
        _check(q, rolled, raw, "rollups")
        _check(q, _compile(sessions, base, q), raw, "base tables")
        figures = {
            "raw": percentiles(_time(lambda q=q: _raw(engine, q), repeat)),  # type: ignore[misc]
            "rollups": percentiles(_time(lambda q=q: _compile(sessions, with_rollups, q), repeat)),  # type: ignore[misc]
            "base": percentiles(_time(lambda q=q: _compile(sessions, base, q), repeat)),  # type: ignore[misc]
        }
        ask = partial(agent.ask, director, ASKED[q.label], conversation_id=None)
        tool = ask().tools[0]["name"]
        figures["turn"] = percentiles(_time(ask, repeat))
        used = ", ".join(sorted(set(rolled.sources.values())))
        rows.append({"question": q.label, "source": used, "asked": ASKED[q.label], "tool": tool, **figures})
    return rows


def print_table(rows: list[dict[str, Any]], scale: int, server: str, repeat: int) -> None:
    """One line per question: p50 / p95 of each way, and rollups p95 against raw SQL and base p95."""
    table = Table(
        "question",
        "answered from",
        "raw SQL p50 / p95",
        "base tables p50 / p95",
        "rollups p50 / p95",
        "rollups ÷ raw (p95)",
        "base ÷ rollups (p95)",
        "whole turn p50 / p95 (asked as)",
        title=f"semantic queries (ms), --scale {scale}, {server}, {repeat} runs each, as of {ANCHOR}",
    )
    for r in rows:
        table.add_row(
            r["question"],
            r["source"],
            f"{r['raw'][0]:.1f} / {r['raw'][1]:.1f}",
            f"{r['base'][0]:.1f} / {r['base'][1]:.1f}",
            f"{r['rollups'][0]:.1f} / {r['rollups'][1]:.1f}",
            f"{r['rollups'][1] / r['raw'][1]:.2f}x",
            f"{r['base'][1] / r['rollups'][1]:.1f}x",
            f"{r['turn'][0]:.1f} / {r['turn'][1]:.1f} ({r['asked']!r} -> {r['tool']})",
        )
    console.print(table)
    for way in ("rollups", "turn"):
        worst = max(r[way][1] for r in rows)
        verdict = "within" if worst <= TARGET_P95_MS else "over"
        what = "compiled query" if way == "rollups" else "whole turn"
        console.print(f"worst {what} p95 {worst:.1f} ms: {verdict} the {TARGET_P95_MS:.0f} ms target")


def semantic_section(args: argparse.Namespace) -> dict[str, Any]:
    """The `semantic` section of bench.run."""
    server, rows = seed_scale.on_scaled_db("semantic", args.scale, run_semantic_bench)
    print_table(rows, args.scale, server, REPEAT)
    worst = max(r["rollups"][1] for r in rows)
    turn = max(r["turn"][1] for r in rows)
    return {
        "scale": args.scale,
        "server": server,
        "repeat": REPEAT,
        "rows": rows,
        "worst_p95_ms": worst,
        "worst_turn_p95_ms": turn,
    }


if __name__ == "__main__":  # python -m bench.semantic [--scale N]
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=int(os.environ.get("BENCH_SCALE", "100")))
    semantic_section(parser.parse_args())
