"""Runs the golden set against the deterministic agent on a warehouse and scores every turn.

Routing: the first tool the agent ran is the expected one and carries the expected arguments (a subset
of what it emitted); an out-of-scope question runs no tool and has intent "unknown"; a refusal names the
refused tool as its intent. Facts: every expected figure, formatted as the agent must format it, appears
in the answer, and no restricted figure does. Refusals: refused=true and no tool the role lacks was run.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from agent.factory import make_agent
from channels.identity import load_caller
from eval.facts import appears, format_fact, render, resolve_vars, run_fact
from eval.golden import GOLDEN_PATH, FactSpec, GoldenItem, Turn, load_golden
from eval.report import EvalReport, TurnResult, print_report, write_report
from tools.catalog import load_tools
from tools.registry import Caller, ToolRegistry
from warehouse.db import make_engine, make_session_factory

__all__ = ["print_report", "run_eval"]

Progress = Callable[[int, int], None]


def run_eval(
    database_url: str,
    today: date,
    out_dir: Path,
    progress: Progress | None = None,
    *,
    golden_path: Path = GOLDEN_PATH,
) -> EvalReport:
    """Ask every golden question as its user, score the replies, write out_dir/<today>/report.{json,md}."""
    items = load_golden(golden_path)
    total = sum(len(item.turns) for item in items)
    engine = make_engine(database_url)
    started, clock = datetime.now(UTC), time.perf_counter()
    try:
        sessions = make_session_factory(engine)
        agent = make_agent(sessions, today)
        with sessions() as session:
            variables = resolve_vars(session, today)
        run = _Run(agent, sessions, load_tools(), variables, uuid.uuid4().hex[:8])
        results: list[TurnResult] = []
        for item in items:
            results += run.item(item)
            if progress:
                progress(len(results), total)
    finally:
        engine.dispose()
    report = EvalReport(
        as_of=today,
        backend=engine.url.get_backend_name(),
        started_at=started,
        seconds=time.perf_counter() - clock,
        golden_items=len(items),
        results=results,
    )
    write_report(report, out_dir)
    return report


class _Run:
    """What every turn of one run shares: the agent, sessions for facts, the registry and placeholders."""

    def __init__(
        self,
        agent: Any,
        sessions: sessionmaker[Session],
        registry: ToolRegistry,
        variables: dict[str, Any],
        run_id: str,
    ) -> None:
        self.agent, self.sessions, self.registry = agent, sessions, registry
        self.variables, self.run_id = variables, run_id

    def item(self, item: GoldenItem) -> list[TurnResult]:
        """Ask an item's turns in one conversation, as its user."""
        with self.sessions() as session:
            caller = load_caller(session, item.user)
        conversation = f"eval-{self.run_id}-{item.id}"
        return [self.turn(item, i, turn, caller, conversation) for i, turn in enumerate(item.turns)]

    def turn(self, item: GoldenItem, index: int, turn: Turn, caller: Caller, conversation: str) -> TurnResult:
        """Ask one question and score the reply."""
        question = render(turn.question, self.variables)
        expected_args = render(turn.expect.args, self.variables)
        result = TurnResult(
            item_id=item.id,
            turn=index + 1 if item.conversation is not None else 0,  # conversations count from 1
            lang=item.lang,
            user=caller.username,  # a golden user may be a WhatsApp number
            role=caller.role,
            kind="refusal" if turn.refusal else "out_of_scope" if turn.expect.tool is None else "answer",
            question=question,
            expected_tool=turn.expect.tool,
            expected_args=expected_args,
            got_tool=None,
            got_args={},
            intent=None,
            refused=False,
            language=None,
            answer="",
            routing_ok=False,
            facts_ok=None,
            refusal_ok=None,
            language_ok=False,
        )
        try:
            reply = self.agent.ask(caller, question, conversation)
        except Exception as exc:  # a crash is a failed turn, never a failed run
            result.error = f"{type(exc).__name__}: {exc}"
            result.facts_ok = False if turn.facts else None
            result.refusal_ok = False if turn.refusal else None
            return result
        self._record(result, reply)
        self._score(result, turn, caller, expected_args)
        return result

    @staticmethod
    def _record(result: TurnResult, reply: Any) -> None:
        tools = list(reply.tools or [])
        result.got_tool = tools[0]["name"] if tools else None
        result.got_args = dict(tools[0].get("args") or {}) if tools else {}
        result.intent, result.refused = reply.intent, bool(reply.refused)
        result.language, result.answer = reply.language, reply.answer or ""
        result.language_ok = reply.language == result.lang
        result.tools_run = [t["name"] for t in tools]

    def _score(self, result: TurnResult, turn: Turn, caller: Caller, expected_args: dict[str, Any]) -> None:
        if turn.refusal:
            result.routing_ok = result.intent == turn.expect.tool
        elif turn.expect.tool is None:
            result.routing_ok = not result.tools_run and not result.refused and result.intent == "unknown"
        else:
            same_tool = result.got_tool == turn.expect.tool
            result.routing_ok = same_tool and args_match(expected_args, result.got_args)
        with self.sessions() as session:
            expected = [self._formatted(session, f, result.lang) for f in turn.facts]
            restricted = [self._formatted(session, f, result.lang) for f in turn.restricted]
        shown = [(name, text, kind) for name, text, kind in expected if text is not None]
        result.expected_facts = [f"{name}: {text}" for name, text, _ in shown]
        answer = result.answer
        result.missing = [f"{name}: {text}" for name, text, kind in shown if not appears(text, answer, kind)]
        result.leaked = [
            f"{name}: {text}"
            for name, text, kind in restricted
            if text is not None and appears(text, result.answer, kind)
        ]
        if turn.refusal:
            forbidden = [name for name in result.tools_run if not self.registry.allowed(name, caller)]
            result.refusal_ok = result.refused and not forbidden and not result.leaked
            result.facts_ok = result.refused and not result.leaked
        elif shown or restricted:
            result.facts_ok = not result.missing and not result.leaked

    def _formatted(self, session: Session, fact: FactSpec, lang: str) -> tuple[str, str | None, Any]:
        value = run_fact(session, fact.sql, self.variables)
        return fact.name or fact.kind, format_fact(value, fact.kind, lang), fact.kind


def args_match(expected: dict[str, Any], got: dict[str, Any]) -> bool:
    """Whether every expected argument was emitted with the same value (an absent one counts as null)."""
    return all(_same(value, got.get(key)) for key, value in expected.items())


def _same(expected: Any, got: Any) -> bool:
    # Same type too: True is not 1, "7" is not 7.
    return bool(expected == got) and type(expected) is type(got)
