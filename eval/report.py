"""Evaluation results: per-turn outcomes, their metrics, and the report as JSON, Markdown and tables.

Every turn falls in one class: `correct` (routing and figures right, or the clarification or refusal the
turn expects), `clarified` (a clarifying question the turn did not expect, or one that did not offer the
reading asked for), `cant` (an honest "can't": no tool ran, a refusal, a tool error or a crash, no
figures) and `wrong` (an answer was given but its subject or figures do not match the question, or a
restricted figure leaked). Wrong must stay at zero.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from rich.console import Console
from rich.table import Table

ANSWER_CHARS = 600  # failures keep this much of the answer in the report
Outcome = Literal["correct", "clarified", "cant", "wrong"]
OUTCOMES: tuple[Outcome, ...] = ("correct", "clarified", "cant", "wrong")


@dataclass
class TurnResult:
    """One scored turn: what was asked and expected, what the agent did, and which checks passed."""

    item_id: str
    turn: int  # 1, 2... within a conversation; 0 for a single question
    lang: str
    user: str
    role: str
    kind: str  # "answer", "refusal", "clarify" or "out_of_scope"
    question: str
    expected_tool: str | list[str] | None  # a list: any of these may answer
    expected_args: dict[str, Any]
    got_tool: str | None
    got_args: dict[str, Any]
    intent: str | None
    refused: bool
    language: str | None
    answer: str
    routing_ok: bool
    facts_ok: bool | None  # None: nothing to check (no facts, or every fact empty on this database)
    refusal_ok: bool | None  # None: not a refusal case
    language_ok: bool
    tools_run: list[str] = field(default_factory=list)
    expected_facts: list[str] = field(default_factory=list)  # "name: formatted value"
    missing: list[str] = field(default_factory=list)
    leaked: list[str] = field(default_factory=list)
    error: str | None = None
    family: str | None = None  # the paraphrase family of the item (None: written before families)
    split: str = "dev"
    tool_error: bool = False  # a tool ran but failed (no result data)

    @property
    def passed(self) -> bool:
        """Routing right, every fact shown, nothing restricted leaked, refusal as expected."""
        return self.routing_ok and self.facts_ok is not False and self.refusal_ok is not False

    @property
    def outcome(self) -> Outcome:
        """The turn's class: correct, clarified, can't or wrong (see the module docstring)."""
        if self.passed:
            return "correct"
        if self.leaked:
            return "wrong"
        if self.intent == "clarify" and not self.tools_run:
            return "clarified"
        answered = bool(self.tools_run) and not self.refused and not self.tool_error and not self.error
        return "wrong" if answered else "cant"

    @property
    def family_kind(self) -> str:
        """The family's kind (rank, cmp, attr...), "core" for items written before families."""
        return self.family.split("-", 1)[0] if self.family else "core"


@dataclass
class Metrics:
    """Counts and rates over a group of turns (rates are None when the group has no such turns)."""

    turns: int
    routing: float | None
    facts: float | None
    refusal: float | None
    language: float | None
    passed: float | None
    fact_turns: int  # correctly routed turns with figures to check
    refusal_turns: int
    leaks: int  # turns whose answer showed a restricted figure (must be 0)
    correct: int = 0  # the four classes of turns (they add up to `turns`)
    clarified: int = 0
    cant: int = 0
    wrong: int = 0  # must be 0


def _rate(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def metrics(results: Iterable[TurnResult]) -> Metrics:
    """Routing accuracy, fact accuracy, refusal correctness, language, pass rate and classes over turns.

    Fact accuracy counts the correctly routed turns with figures to check: a misrouted question is a
    routing failure, not a wrong figure (it still fails `passed`).
    """
    rows = list(results)
    facts = [r.facts_ok for r in rows if r.facts_ok is not None and r.routing_ok]
    refusals = [r.refusal_ok for r in rows if r.refusal_ok is not None]
    classes = {name: sum(r.outcome == name for r in rows) for name in OUTCOMES}
    return Metrics(
        turns=len(rows),
        routing=_rate([r.routing_ok for r in rows]),
        facts=_rate(facts),
        refusal=_rate(refusals),
        language=_rate([r.language_ok for r in rows]),
        passed=_rate([r.passed for r in rows]),
        fact_turns=len(facts),
        refusal_turns=len(refusals),
        leaks=sum(bool(r.leaked) for r in rows),
        **classes,
    )


def grouped(results: list[TurnResult], key: Callable[[TurnResult], str]) -> dict[str, Metrics]:
    """Metrics per value of `key` (language, role, tool), sorted by that value."""
    groups: dict[str, list[TurnResult]] = {}
    for r in results:
        groups.setdefault(key(r), []).append(r)
    return {k: metrics(v) for k, v in sorted(groups.items())}


@dataclass
class EvalReport:
    """A whole evaluation run."""

    as_of: date
    backend: str
    started_at: datetime
    seconds: float
    golden_items: int
    results: list[TurnResult]
    splits: list[str] = field(default_factory=lambda: ["dev"])  # the splits asked, in order

    @property
    def overall(self) -> Metrics:
        """Metrics over every turn."""
        return metrics(self.results)

    @property
    def by_split(self) -> dict[str, Metrics]:
        """Metrics per split (dev, heldout), in the order asked."""
        return {s: metrics(r for r in self.results if r.split == s) for s in self.splits}

    @property
    def by_kind(self) -> dict[str, Metrics]:
        """Metrics per family kind (rank, cmp, attr, ...; "core" for the items before families)."""
        return grouped(self.results, lambda r: r.family_kind)

    @property
    def wrong(self) -> list[TurnResult]:
        """Turns answered with the wrong subject or figures, or leaking a restricted figure."""
        return [r for r in self.results if r.outcome == "wrong"]

    @property
    def by_language(self) -> dict[str, Metrics]:
        """Metrics per question language."""
        return grouped(self.results, lambda r: r.lang)

    @property
    def by_role(self) -> dict[str, Metrics]:
        """Metrics per asking user (role in brackets)."""
        return grouped(self.results, lambda r: f"{r.user} ({r.role})")

    @property
    def by_tool(self) -> dict[str, Metrics]:
        """Metrics per expected tool (the first acceptable one; "(none)" for out-of-scope questions)."""
        return grouped(self.results, lambda r: _tools(r.expected_tool)[0] if r.expected_tool else "(none)")

    @property
    def failures(self) -> list[TurnResult]:
        """Turns that did not pass, the wrong ones first."""
        failed = [r for r in self.results if not r.passed]
        return sorted(failed, key=lambda r: OUTCOMES.index(r.outcome), reverse=True)

    def as_json(self) -> dict[str, Any]:
        """The report as JSON-able data: metrics, groups and every turn."""
        return {
            "as_of": self.as_of.isoformat(),
            "backend": self.backend,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "seconds": round(self.seconds, 2),
            "golden_items": self.golden_items,
            "splits": self.splits,
            "overall": asdict(self.overall),
            "by_split": {k: asdict(v) for k, v in self.by_split.items()},
            "by_kind": {k: asdict(v) for k, v in self.by_kind.items()},
            "by_language": {k: asdict(v) for k, v in self.by_language.items()},
            "by_role": {k: asdict(v) for k, v in self.by_role.items()},
            "by_tool": {k: asdict(v) for k, v in self.by_tool.items()},
            "failures": [_failure(r) for r in self.failures],
            "results": [{**asdict(r), "passed": r.passed, "outcome": r.outcome} for r in self.results],
        }


def _tools(tool: str | list[str] | None) -> list[str]:
    return [] if tool is None else [tool] if isinstance(tool, str) else tool


def _failure(r: TurnResult) -> dict[str, Any]:
    return {
        "id": f"{r.item_id}#{r.turn}" if r.turn else r.item_id,
        "split": r.split,
        "outcome": r.outcome,
        "user": r.user,
        "question": r.question,
        "expected": {"kind": r.kind, "tool": r.expected_tool, "args": r.expected_args},
        "got": {"tool": r.got_tool, "args": r.got_args, "intent": r.intent, "refused": r.refused},
        "checks": {"routing": r.routing_ok, "facts": r.facts_ok, "refusal": r.refusal_ok},
        "missing": r.missing,
        "leaked": r.leaked,
        "error": r.error,
        "answer": r.answer[:ANSWER_CHARS],
    }


def write_report(report: EvalReport, out_dir: Path) -> Path:
    """Write report.json and report.md under out_dir/<as_of>/; returns that folder."""
    folder = out_dir / report.as_of.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(
        json.dumps(report.as_json(), ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    (folder / "report.md").write_text(markdown(report), encoding="utf-8")
    return folder


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _metric_cells(m: Metrics) -> list[str]:
    rates = [_pct(m.routing), _pct(m.facts), _pct(m.refusal), _pct(m.language), _pct(m.passed)]
    return [str(m.turns), *rates, str(m.leaks), *(str(getattr(m, name)) for name in OUTCOMES)]


# "passed" is the share of correct turns; the last four columns count the turns of each class.
HEADERS = ["turns", "routing", "facts", "refusal", "language", "passed", "leaks", *OUTCOMES]


def markdown(report: EvalReport) -> str:
    """The report as Markdown: summary, groups and every failure with expected vs got."""
    lines = [
        f"# Evaluation {report.as_of} ({report.backend})",
        "",
        f"{report.golden_items} golden items, {report.overall.turns} turns, {report.seconds:.1f} s, "
        f"run {report.started_at:%Y-%m-%d %H:%M}.",
        "",
    ]
    groups = [("Overall", {"all": report.overall}), ("By split", report.by_split)]
    groups += [("By family kind", report.by_kind), ("By language", report.by_language)]
    groups += [("By user", report.by_role), ("By tool", report.by_tool)]
    for title, rows in groups:
        lines += [f"## {title}", "", "| | " + " | ".join(HEADERS) + " |", "|---" * (len(HEADERS) + 1) + "|"]
        lines += [f"| {name} | " + " | ".join(_metric_cells(m)) + " |" for name, m in rows.items()]
        lines.append("")
    lines += [f"## Failures ({len(report.failures)})", ""]
    for r in report.failures:
        f = _failure(r)
        lines += [
            f"### {f['id']} ({r.split}, {r.outcome}) — {r.user}: {r.question}",
            "",
            f"- expected: `{json.dumps(f['expected'], ensure_ascii=False)}`",
            f"- got: `{json.dumps(f['got'], ensure_ascii=False)}`",
            f"- checks: routing {r.routing_ok}, facts {r.facts_ok}, refusal {r.refusal_ok}",
        ]
        lines += [f"- missing: {', '.join(r.missing)}"] if r.missing else []
        lines += [f"- leaked: {', '.join(r.leaked)}"] if r.leaked else []
        lines += [f"- error: {r.error}"] if r.error else []
        lines += ["", "```", r.answer[:ANSWER_CHARS], "```", ""]
    return "\n".join(lines) + "\n"


def verdict(report: EvalReport) -> str:
    """One line per split: its share of correct turns and its wrong ones (which must be none)."""
    parts = [
        f"{name}: {_pct(m.passed)} correct, {m.wrong} wrong ({m.turns} turns)"
        for name, m in report.by_split.items()
    ]
    return "; ".join(parts)


def print_report(report: EvalReport, console: Console | None = None, max_failures: int = 40) -> None:
    """Print the metrics and the failures as rich tables."""
    out = console or Console()
    head = f"Evaluation {report.as_of} on {report.backend}"
    title = f"{head}: {report.overall.turns} turns, {report.seconds:.1f} s"
    groups = [("overall", {"all": report.overall}), ("split", report.by_split), ("kind", report.by_kind)]
    groups += [("language", report.by_language), ("user", report.by_role), ("tool", report.by_tool)]
    for name, rows in groups:
        table = Table(title=title if name == "overall" else None, title_justify="left")
        table.add_column(name)
        for header in HEADERS:
            table.add_column(header, justify="right")
        for key, m in rows.items():
            table.add_row(key, *_metric_cells(m))
        out.print(table)
    out.print(verdict(report))
    if not report.failures:
        out.print("[green]no failures[/]")
        return
    table = Table(title=f"failures ({len(report.failures)})", title_justify="left", show_lines=True)
    for header in ("id", "class", "question", "expected", "got", "why"):
        table.add_column(header, overflow="fold")
    for r in report.failures[:max_failures]:
        table.add_row(
            f"{r.item_id}#{r.turn}" if r.turn else r.item_id,
            f"{r.outcome} ({r.split})",
            f"{r.user}: {r.question}",
            f"{_expected(r)} {json.dumps(r.expected_args, ensure_ascii=False)}",
            f"{r.got_tool or r.intent} {json.dumps(r.got_args, ensure_ascii=False)}"
            + (" refused" if r.refused else ""),
            _why(r),
        )
    out.print(table)
    if len(report.failures) > max_failures:
        out.print(f"… {len(report.failures) - max_failures} more in report.md")


def _expected(r: TurnResult) -> str:
    return "|".join(_tools(r.expected_tool)) or r.kind


def _why(r: TurnResult) -> str:
    reasons = [] if r.routing_ok else ["routing"]
    reasons += [f"missing {m}" for m in r.missing] + [f"leaked {m}" for m in r.leaked]
    if r.refusal_ok is False and not r.refused:
        reasons.append("not refused")
    if r.tool_error:
        reasons.append("tool error")
    if r.error:
        reasons.append(f"error {r.error}")
    return "; ".join(reasons)
