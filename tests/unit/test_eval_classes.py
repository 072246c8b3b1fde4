"""The eval's turn classes (correct, clarified, can't, wrong), their counts per split, and the golden
schema's lists of tools, clarifications, picks and splits."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from eval import golden
from eval.facts import name_vars
from eval.golden import GoldenItem, load_splits
from eval.report import EvalReport, TurnResult, metrics, verdict


def result(**kw: Any) -> TurnResult:
    """A scored turn: by default a routed answer whose facts all showed."""
    base: dict[str, Any] = {
        "item_id": "x", "turn": 0, "lang": "id", "user": "director", "role": "DIRECTOR", "kind": "answer",
        "question": "q", "expected_tool": ["query_metrics", "sales_summary"], "expected_args": {},
        "got_tool": "query_metrics", "got_args": {}, "intent": "query_metrics", "refused": False,
        "language": "id", "answer": "a", "routing_ok": True, "facts_ok": True, "refusal_ok": None,
        "language_ok": True, "tools_run": ["query_metrics"],
    }  # fmt: skip
    return TurnResult(**{**base, **kw})


@pytest.mark.parametrize(
    ("changes", "outcome"),
    [
        ({}, "correct"),
        ({"facts_ok": None}, "correct"),  # nothing to check (every figure empty on this warehouse)
        ({"facts_ok": False}, "wrong"),  # a figure missing or different
        ({"routing_ok": False}, "wrong"),  # another subject
        ({"routing_ok": False, "tools_run": [], "got_tool": None, "intent": "unknown"}, "cant"),
        ({"routing_ok": False, "tools_run": [], "intent": "clarify"}, "clarified"),
        ({"routing_ok": False, "tool_error": True}, "cant"),
        ({"routing_ok": False, "tools_run": [], "error": "KeyError: x"}, "cant"),  # a crash shows nothing
        ({"routing_ok": False, "refused": True, "tools_run": []}, "cant"),  # a refusal it need not make
        ({"kind": "clarify", "intent": "clarify", "tools_run": []}, "correct"),  # the clarification expected
        ({"kind": "refusal", "refusal_ok": True, "refused": True, "tools_run": []}, "correct"),
        ({"kind": "refusal", "refusal_ok": False, "facts_ok": False, "leaked": ["x: 1"]}, "wrong"),
        (
            {"kind": "refusal", "refusal_ok": False, "routing_ok": False, "refused": True, "tools_run": []},
            "cant",
        ),
        # A leak is wrong whatever else happened, even in a refusal with no tool run.
        ({"refused": True, "tools_run": [], "facts_ok": False, "leaked": ["x: 1"]}, "wrong"),
    ],
)
def test_outcome(changes: dict[str, Any], outcome: str) -> None:
    assert result(**changes).outcome == outcome


def test_metrics_count_each_class_and_the_report_splits_them() -> None:
    rows = [
        result(),
        result(routing_ok=False),
        result(routing_ok=False, tools_run=[], intent="unknown", split="heldout"),
        result(split="heldout", family="rank-ar-customer"),
    ]
    m = metrics(rows)
    assert (m.correct, m.clarified, m.cant, m.wrong, m.passed) == (2, 0, 1, 1, 0.5)
    report = EvalReport(
        date(2024, 12, 27), "sqlite", datetime(2024, 12, 27, 9), 0.1, 4, rows, ["dev", "heldout"]
    )
    assert {k: (v.turns, v.wrong) for k, v in report.by_split.items()} == {"dev": (2, 1), "heldout": (2, 0)}
    assert set(report.by_kind) == {"core", "rank"} and len(report.wrong) == 1
    assert report.failures[0].outcome == "wrong"
    assert (
        verdict(report) == "dev: 50.0% correct, 1 wrong (2 turns); heldout: 50.0% correct, 0 wrong (2 turns)"
    )
    data = report.as_json()
    assert data["by_split"]["dev"]["wrong"] == 1 and data["results"][2]["outcome"] == "cant"


def item(**kw: Any) -> dict[str, Any]:
    return {"id": "a-1", "lang": "en", "user": "director", "question": "q", **kw}


def test_schema_accepts_tool_lists_clarifications_and_picks() -> None:
    listed = GoldenItem.model_validate(
        item(expect={"tool": ["query_metrics", "sales_summary"]}, family="cmp-x")
    )
    assert listed.turns[0].expect.tools == ["query_metrics", "sales_summary"] and listed.kind == "cmp"
    assert GoldenItem.model_validate(item(expect={"tool": "so_status"})).turns[0].expect.tools == [
        "so_status"
    ]
    clarify = {"question": "q", "expect": {"tool": None, "clarify": True}}
    chosen = {"question": "1", "expect": {"tool": "receivables"}, "pick": "Global Tech"}
    conversation = GoldenItem.model_validate({**item(), "question": None, "conversation": [clarify, chosen]})
    assert conversation.turns[1].pick == "Global Tech" and conversation.kind == "core"


@pytest.mark.parametrize(
    "bad",
    [
        item(expect={"tool": []}),  # an empty list of tools
        item(expect={"tool": ["receivables", "receivables"]}),
        item(expect={"tool": "receivables", "clarify": True}),  # a clarification runs no tool
        item(expect={"tool": None, "clarify": True}, refusal=True),
        item(expect={"tool": None}, family="no_kind"),
        {
            **item(question=None),
            "conversation": [  # a pick only answers a clarification
                {"question": "q", "expect": {"tool": "receivables"}},
                {"question": "1", "expect": {"tool": "receivables"}, "pick": "x"},
            ],
        },
    ],
)
def test_schema_refuses(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        GoldenItem.model_validate(bad)


def test_splits_are_read_together_and_ids_are_unique_across_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = json.dumps(item(expect={"tool": None}))
    (tmp_path / "dev.jsonl").write_text(line + "\n", encoding="utf-8")
    (tmp_path / "heldout.jsonl").write_text(line.replace("a-1", "a-2") + "\n", encoding="utf-8")
    monkeypatch.setitem(golden.SPLITS, "dev", tmp_path / "dev.jsonl")
    monkeypatch.setitem(golden.SPLITS, "heldout", tmp_path / "heldout.jsonl")
    assert [i.id for i in load_splits(("heldout",))["heldout"]] == ["a-2"]
    (tmp_path / "heldout.jsonl").write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="a-1 is in both dev and heldout"):
        load_splits(("heldout",))  # checked even when only one split is asked
    with pytest.raises(ValueError, match="unknown split"):
        load_splits(("test",))


def test_month_names_follow_the_business_date() -> None:
    names = name_vars(date(2025, 1, 5))
    assert (names["this_month_id"], names["last_month_en"], names["last_month_id3"]) == (
        "Januari",
        "December",
        "des",
    )
    assert names["month2_en3"] == "nov" and names["year"] == "2025"
