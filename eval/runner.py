"""Runs the golden set against the deterministic agent on a warehouse and scores every turn.

Routing: the first tool the agent ran is an expected one (a turn may accept several) and, when it is the
first of them, carries the expected arguments (a subset of what it emitted); an out-of-scope question
runs no tool and has intent "unknown"; an ambiguous one gets intent "clarify" and no tool; a refusal names
a refused tool as its intent. Facts: every expected figure, formatted as the answer's language formats
it, appears in the answer, and no restricted figure does (in either language). Refusals: refused=true
and no tool the role lacks was run. Each turn is then classed correct, clarified, can't or wrong
(eval/report.py).
"""

from __future__ import annotations

import re
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
from eval.golden import FactSpec, GoldenItem, Turn, load_splits
from eval.report import EvalReport, TurnResult, print_report, write_report
from tools.catalog import load_tools
from tools.registry import Caller, ToolRegistry
from warehouse.db import make_engine, make_session_factory

__all__ = ["print_report", "run_eval"]

Progress = Callable[[int, int], None]
OPTION = re.compile(r"^\s*(\d{1,2})[.)]\s+(.+?)\s*$", re.MULTILINE)  # "1. PT Global Tech (customer)"


def run_eval(
    database_url: str,
    today: date,
    out_dir: Path,
    progress: Progress | None = None,
    *,
    splits: tuple[str, ...] = ("dev", "heldout"),
    items: dict[str, list[GoldenItem]] | None = None,
    agent: Any | None = None,
) -> EvalReport:
    """Ask every golden question of the splits as its user, score the replies, write
    out_dir/<today>/report.{json,md}; `items` (split -> items) replaces the golden files and `agent`
    (anything with the agent's `ask`) the deterministic agent."""
    sets = items if items is not None else load_splits(splits)
    total = sum(len(item.turns) for group in sets.values() for item in group)
    engine = make_engine(database_url)
    started, clock = datetime.now(UTC), time.perf_counter()
    try:
        sessions = make_session_factory(engine)
        agent = agent or make_agent(sessions, today)
        with sessions() as session:
            variables = resolve_vars(session, today)
        run = _Run(agent, sessions, load_tools(), variables, uuid.uuid4().hex[:8])
        results: list[TurnResult] = []
        for split, group in sets.items():
            for item in group:
                results += run.item(item, split)
                if progress:
                    progress(len(results), total)
    finally:
        engine.dispose()
    report = EvalReport(
        as_of=today,
        backend=engine.url.get_backend_name(),
        started_at=started,
        seconds=time.perf_counter() - clock,
        golden_items=sum(len(group) for group in sets.values()),
        results=results,
        splits=list(sets),
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

    def item(self, item: GoldenItem, split: str = "dev") -> list[TurnResult]:
        """Ask an item's turns in one conversation, as its user."""
        with self.sessions() as session:
            caller = load_caller(session, item.user)
        conversation = f"eval-{self.run_id}-{item.id}"
        results: list[TurnResult] = []
        for index, turn in enumerate(item.turns):
            question = render(turn.question, self.variables)
            number = pick_option(results[-1].answer, turn.pick) if turn.pick and results else None
            if turn.pick and number is None:
                # The clarification did not offer the reading the user wants: it failed, and the reply
                # is not asked (any number would pick a reading nobody asked for).
                results[-1].routing_ok = False
                results.append(self.turn(item, index, turn, caller, conversation, question, asked=False))
            else:
                results.append(self.turn(item, index, turn, caller, conversation, number or question))
            results[-1].split = split
        return results

    def turn(
        self,
        item: GoldenItem,
        index: int,
        turn: Turn,
        caller: Caller,
        conversation: str,
        question: str,
        *,
        asked: bool = True,
    ) -> TurnResult:
        """Ask one question and score the reply (`asked` False: record it as failed without asking)."""
        expected_args = render(turn.expect.args, self.variables)
        result = _blank(item, index, turn, caller, question, expected_args)
        if not asked:
            result.error = f"the clarification offered no option with {turn.pick!r}"
            result.facts_ok = False if turn.facts else None
            return result
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
        result.tool_error = bool(tools) and not reply.data  # a failed call carries no result data

    def _score(self, result: TurnResult, turn: Turn, caller: Caller, expected_args: dict[str, Any]) -> None:
        result.routing_ok = routed(result, turn, expected_args)
        with self.sessions() as session:
            # Figures as the answer's language writes them (a wrong language is the language check's
            # failure, not a wrong figure); a restricted figure must not show in either language.
            lang = result.language if result.language in ("id", "en") else result.lang
            facts = [self._formatted(session, f, lang) for f in turn.facts]
            restricted = [self._formatted(session, f, x) for f in turn.restricted for x in ("id", "en")]
        shown = [(name, text, kind) for name, text, kind in facts if text is not None]
        result.expected_facts = [f"{name}: {text}" for name, text, _ in shown]
        answer = result.answer
        result.missing = [f"{name}: {text}" for name, text, kind in shown if not appears(text, answer, kind)]
        leaked = [
            f"{n}: {text}" for n, text, kind in restricted if text is not None and appears(text, answer, kind)
        ]
        result.leaked = list(dict.fromkeys(leaked))  # a text figure reads the same in both languages
        if turn.refusal:
            forbidden = [name for name in result.tools_run if not self.registry.allowed(name, caller)]
            result.refusal_ok = result.refused and not forbidden and not result.leaked
            result.facts_ok = result.refused and not result.leaked
        elif shown or restricted:
            result.facts_ok = not result.missing and not result.leaked

    def _formatted(self, session: Session, fact: FactSpec, lang: str) -> tuple[str, str | None, Any]:
        value = run_fact(session, fact.sql, self.variables)
        return fact.name or fact.kind, format_fact(value, fact.kind, lang), fact.kind


def routed(result: TurnResult, turn: Turn, expected_args: dict[str, Any]) -> bool:
    """Whether the reply took the way the turn expects: an accepted tool (with its arguments when it is
    the first one), the refused tool, a clarification, or "can't" for an out-of-scope question."""
    expected = turn.expect.tools
    if turn.refusal:
        return result.intent in expected
    nothing_ran = not result.tools_run and not result.refused
    if turn.expect.clarify:
        return nothing_ran and result.intent == "clarify"
    if not expected:
        return nothing_ran and result.intent == "unknown"
    if result.got_tool == expected[0]:
        return args_match(expected_args, result.got_args)
    return result.got_tool in expected


def _blank(
    item: GoldenItem, index: int, turn: Turn, caller: Caller, question: str, expected_args: dict[str, Any]
) -> TurnResult:
    """A turn's result before the reply: what was asked and expected, nothing passed yet."""
    kind = "refusal" if turn.refusal else "clarify" if turn.expect.clarify else "answer"
    return TurnResult(
        item_id=item.id,
        turn=index + 1 if item.conversation is not None else 0,  # conversations count from 1
        family=item.family,
        lang=item.lang,
        user=caller.username,  # a golden user may be a WhatsApp number
        role=caller.role,
        kind="out_of_scope" if kind == "answer" and turn.expect.tool is None else kind,
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


def pick_option(answer: str, pick: str) -> str | None:
    """The number of the first numbered option ("2. PT Global Supply") whose text holds `pick`."""
    wanted = pick.casefold()
    return next((n for n, label in OPTION.findall(answer) if wanted in label.casefold()), None)


def args_match(expected: dict[str, Any], got: dict[str, Any]) -> bool:
    """Whether every expected argument was emitted with the same value (an absent one counts as null).

    Lists and objects match as subsets, so a query's `{"metrics": ["sales"]}` accepts ["sales", "orders"]
    and `{"period": {"start": ...}}` ignores the period's label.
    """
    return all(_same(value, got.get(key)) for key, value in expected.items())


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(got, dict) and args_match(expected, got)
    if isinstance(expected, list):
        return isinstance(got, list) and all(any(_same(e, g) for g in got) for e in expected)
    # Same type too: True is not 1, "7" is not 7.
    return bool(expected == got) and type(expected) is type(got)
