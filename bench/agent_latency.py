"""`python -m bench.agent_latency`: how long a deterministic answer takes at --scale 100 on PostgreSQL.

For each question: the raw SQL of the tool's main query (baseline), the tool call, the whole agent turn in
process, and the same turn over HTTP (POST /api/chat to a real `sentient serve`); p50/p95 and ratios.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import httpx2 as httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text

from agent.factory import make_agent
from channels.identity import load_caller
from tools.registry import ToolContext
from warehouse.db import make_session_factory
from warehouse.seed.calendar import SPEC_TODAY

REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
console = Console()

# question, raw SQL of the tool's main query (bound :today, :a, :b)
QUESTIONS: list[tuple[str, str]] = [
    (
        "Berapa penjualan bulan ini?",
        "SELECT SUM(total_amt), COUNT(*) FROM t_so WHERE status IN ('Approved','Closed') "
        "AND deleted_at IS NULL AND order_dt BETWEEN :month_start AND :today",
    ),
    (
        "sales Q2 2024 per customer",
        "SELECT c.code, SUM(s.total_amt) FROM t_so s JOIN m_cust c ON c.id = s.cust_id WHERE s.status IN "
        "('Approved','Closed') AND s.deleted_at IS NULL AND s.order_dt BETWEEN '2024-04-01' AND '2024-06-30' "
        "GROUP BY c.code ORDER BY 2 DESC",
    ),
    (
        "top 5 customer tahun 2023",
        "SELECT c.code, SUM(s.total_amt) FROM t_so s JOIN m_cust c ON c.id = s.cust_id WHERE s.status IN "
        "('Approved','Closed') AND s.deleted_at IS NULL AND s.order_dt BETWEEN '2023-01-01' AND '2023-12-31' "
        "GROUP BY c.code ORDER BY 2 DESC LIMIT 5",
    ),
    (
        "is SO-202412-0004 shipped?",
        "SELECT s.doc_no, d.status, d.eta_dt FROM t_so s LEFT JOIN t_do d ON d.so_id = s.id "
        "WHERE s.doc_no = 'SO-202412-0004'",
    ),
    (
        "piutang yang sudah jatuh tempo",
        "SELECT SUM(amt) FROM t_ar WHERE paid_dt IS NULL AND due_dt < :today AND deleted_at IS NULL",
    ),
    (
        "reject rate MCH-003 hari ini",
        "SELECT SUM(s.output_qty), SUM(s.reject_qty) FROM t_shift_log s "
        "JOIN m_machine m ON m.id = s.machine_id WHERE m.code = 'MCH-003' AND s.log_dt = :today",
    ),
    (
        "stok yang oversold",
        "SELECT i.code, t.qty_on_hand - t.qty_reserved FROM t_inv t JOIN m_item i ON i.id = t.item_id "
        "WHERE t.qty_on_hand < t.qty_reserved",
    ),
    ("berapa saldo kas?", "SELECT SUM(amt) FROM t_cash WHERE status = 'Posted' AND txn_dt <= :today"),
]


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def _time(fn: Callable[[], Any], repeat: int = REPEAT) -> list[float]:
    fn()  # warm caches and plans once
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def _serve(
    url: str, today: date, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Deterministic answers are what this section times: no model sidecar, no WhatsApp worker.
    env = {**os.environ, "DATABASE_URL": url, "FACTORY_TODAY": today.isoformat()}
    env.update({"LLM_BASE_URL": "off", "WHATSAPP_WORKER": "off", **(extra_env or {})})
    env.pop("API_KEY", None)
    proc = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "sentient"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("sentient serve did not start")


def run_agent_bench(engine: Engine, today: date = SPEC_TODAY) -> list[dict[str, Any]]:
    """Time every question four ways; returns one row of figures per question."""
    sessions = make_session_factory(engine)
    agent = make_agent(sessions, today)
    params = {"today": today, "month_start": today.replace(day=1)}
    with sessions() as session:
        caller = load_caller(session, "director")
    proc, base = _serve(engine.url.render_as_string(hide_password=False), today)
    rows = []
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            for question, sql in QUESTIONS:
                plan = agent.ask(caller, question, conversation_id=None)
                tool, args = plan.tools[0]["name"], plan.tools[0]["args"]
                body = {"user": "director", "message": question, "conversation_id": "bench"}
                raw = _time(partial(_raw, engine, sql, params))
                tool_t = _time(partial(_tool, agent, sessions, tool, args, caller, today))
                inproc = _time(partial(agent.ask, caller, question, conversation_id="bench"))
                over_http = _time(partial(http.post, "/api/chat", json=body))
                rows.append(
                    {
                        "question": question,
                        "tool": tool,
                        "raw": percentiles(raw),
                        "tool_call": percentiles(tool_t),
                        "agent": percentiles(inproc),
                        "http": percentiles(over_http),
                    }
                )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return rows


def _raw(engine: Engine, sql: str, params: dict[str, Any]) -> None:
    with engine.connect() as conn:
        conn.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql}).all()


def _tool(agent: Any, sessions: Any, tool: str, args: dict[str, Any], caller: Any, today: date) -> None:
    with sessions() as session:
        result = agent.registry.execute(tool, args, caller, ToolContext(session, today))
        assert result.ok, result.message


def print_table(rows: list[dict[str, Any]]) -> None:
    """One line per question: p50 (p95) in ms of each way, and the agent/raw and HTTP/raw ratios."""
    table = Table(
        "question",
        "tool",
        "raw SQL p50",
        "tool p50",
        "agent p50 / p95",
        "HTTP p50 / p95",
        "agent/raw",
        "HTTP/raw",
        title=f"deterministic answer latency (ms), {REPEAT} runs each",
    )
    for r in rows:
        table.add_row(
            r["question"],
            r["tool"],
            f"{r['raw'][0]:.1f}",
            f"{r['tool_call'][0]:.1f}",
            f"{r['agent'][0]:.1f} / {r['agent'][1]:.1f}",
            f"{r['http'][0]:.1f} / {r['http'][1]:.1f}",
            f"{r['agent'][0] / r['raw'][0]:.1f}x",
            f"{r['http'][0] / r['raw'][0]:.1f}x",
        )
    console.print(table)
