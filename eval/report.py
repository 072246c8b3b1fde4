"""Evaluation results: per-turn outcomes, their metrics, and the report as JSON, Markdown and tables."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ANSWER_CHARS = 600  # failures keep this much of the answer in the report


@dataclass
class TurnResult:
    """One scored turn: what was asked and expected, what the agent did, and which checks passed."""

    item_id: str
    turn: int  # 1, 2... within a conversation; 0 for a single question
    lang: str
    user: str
    role: str
    kind: str  # "answer", "refusal" or "out_of_scope"
    question: str
    expected_tool: str | None
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

    @property
    def passed(self) -> bool:
        """Routing right, every fact shown, nothing restricted leaked, refusal as expected."""
        return self.routing_ok and self.facts_ok is not False and self.refusal_ok is not False


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


def _rate(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def metrics(results: Iterable[TurnResult]) -> Metrics:
    """Routing accuracy, fact accuracy, refusal correctness, language and pass rate over some turns.

    Fact accuracy counts the correctly routed turns with figures to check: a misrouted question is a
    routing failure, not a wrong figure (it still fails `passed`).
    """
    rows = list(results)
    facts = [r.facts_ok for r in rows if r.facts_ok is not None and r.routing_ok]
    refusals = [r.refusal_ok for r in rows if r.refusal_ok is not None]
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

    @property
    def overall(self) -> Metrics:
        """Metrics over every turn."""
        return metrics(self.results)

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
        """Metrics per expected tool ("(none)" for out-of-scope questions)."""
        return grouped(self.results, lambda r: r.expected_tool or "(none)")

    @property
    def failures(self) -> list[TurnResult]:
        """Turns that did not pass."""
        return [r for r in self.results if not r.passed]

    def as_json(self) -> dict[str, Any]:
        """The report as JSON-able data: metrics, groups and every turn."""
        return {
            "as_of": self.as_of.isoformat(),
            "backend": self.backend,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "seconds": round(self.seconds, 2),
            "golden_items": self.golden_items,
            "overall": asdict(self.overall),
            "by_language": {k: asdict(v) for k, v in self.by_language.items()},
            "by_role": {k: asdict(v) for k, v in self.by_role.items()},
            "by_tool": {k: asdict(v) for k, v in self.by_tool.items()},
            "failures": [_failure(r) for r in self.failures],
            "results": [{**asdict(r), "passed": r.passed} for r in self.results],
        }


def _failure(r: TurnResult) -> dict[str, Any]:
    return {
        "id": f"{r.item_id}#{r.turn}" if r.turn else r.item_id,
        "user": r.user,
        "question": r.question,
        "expected": {"tool": r.expected_tool, "args": r.expected_args},
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
    return [str(m.turns), *rates, str(m.leaks)]


HEADERS = ["turns", "routing", "facts", "refusal", "language", "passed", "leaks"]


def markdown(report: EvalReport) -> str:
    """The report as Markdown: summary, groups and every failure with expected vs got."""
    lines = [
        f"# Evaluation {report.as_of} ({report.backend})",
        "",
        f"{report.golden_items} golden items, {report.overall.turns} turns, {report.seconds:.1f} s, "
        f"run {report.started_at:%Y-%m-%d %H:%M}.",
        "",
    ]
    groups = [("Overall", {"all": report.overall}), ("By language", report.by_language)]
    groups += [("By user", report.by_role), ("By tool", report.by_tool)]
    for title, rows in groups:
        lines += [f"## {title}", "", "| | " + " | ".join(HEADERS) + " |", "|---" * (len(HEADERS) + 1) + "|"]
        lines += [f"| {name} | " + " | ".join(_metric_cells(m)) + " |" for name, m in rows.items()]
        lines.append("")
    lines += [f"## Failures ({len(report.failures)})", ""]
    for r in report.failures:
        f = _failure(r)
        lines += [
            f"### {f['id']} — {r.user}: {r.question}",
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


def print_report(report: EvalReport, console: Console | None = None, max_failures: int = 40) -> None:
    """Print the metrics and the failures as rich tables."""
    out = console or Console()
    head = f"Evaluation {report.as_of} on {report.backend}"
    title = f"{head}: {report.overall.turns} turns, {report.seconds:.1f} s"
    groups = [("overall", {"all": report.overall}), ("language", report.by_language)]
    groups += [("user", report.by_role), ("tool", report.by_tool)]
    for name, rows in groups:
        table = Table(title=title if name == "overall" else None, title_justify="left")
        table.add_column(name)
        for header in HEADERS:
            table.add_column(header, justify="right")
        for key, m in rows.items():
            table.add_row(key, *_metric_cells(m))
        out.print(table)
    if not report.failures:
        out.print("[green]no failures[/]")
        return
    table = Table(title=f"failures ({len(report.failures)})", title_justify="left", show_lines=True)
    for header in ("id", "question", "expected", "got", "why"):
        table.add_column(header, overflow="fold")
    for r in report.failures[:max_failures]:
        table.add_row(
            f"{r.item_id}#{r.turn}" if r.turn else r.item_id,
            f"{r.user}: {r.question}",
            f"{r.expected_tool} {json.dumps(r.expected_args, ensure_ascii=False)}",
            f"{r.got_tool or r.intent} {json.dumps(r.got_args, ensure_ascii=False)}"
            + (" refused" if r.refused else ""),
            _why(r),
        )
    out.print(table)
    if len(report.failures) > max_failures:
        out.print(f"… {len(report.failures) - max_failures} more in report.md")


def _why(r: TurnResult) -> str:
    reasons = [] if r.routing_ok else ["routing"]
    reasons += [f"missing {m}" for m in r.missing] + [f"leaked {m}" for m in r.leaked]
    if r.refusal_ok is False and not r.refused:
        reasons.append("not refused")
    if r.error:
        reasons.append(f"error {r.error}")
    return "; ".join(reasons)
