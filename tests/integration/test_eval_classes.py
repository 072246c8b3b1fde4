"""The runner's classes on scripted replies: correct, clarified, can't and wrong, through the real scoring
(facts run on the seeded warehouse), a clarification answered by the number of the reading asked for, and
a leak that is always wrong."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from agent.core import Reply
from eval.golden import GoldenItem
from eval.report import EvalReport
from eval.runner import run_eval
from tools.registry import Caller

SALES_M0 = {
    "sql": "SELECT SUM(total_amt) FROM t_so WHERE status IN ('Approved', 'Closed') AND deleted_at IS NULL "
    "AND order_dt BETWEEN :month_start AND :today",
    "kind": "money",
    "name": "sales this month",
}
AR_GT = {
    "sql": "SELECT SUM(a.amt) FROM t_ar a JOIN m_cust c ON c.id = a.cust_id WHERE c.code = 'CUST-005' "
    "AND a.paid_dt IS NULL AND a.deleted_at IS NULL",
    "kind": "money",
    "name": "open receivables of PT Global Tech",
}
SALES_TEXT = "Penjualan bulan ini: Rp 463.700.000"  # what SALES_M0 is on the sample data, formatted
SALES = ["query_metrics", "sales_summary"]


class Scripted:
    """An agent that answers from a script, in order, and records what it was asked."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies, self.asked = list(replies), []  # type: list[Reply], list[str]

    def ask(self, caller: Caller, message: str, conversation_id: str | None = None) -> Reply:
        """The next scripted reply; running out of script fails the test."""
        self.asked.append(message)
        assert self.replies, f"unscripted question {message!r}"
        return self.replies.pop(0)


def reply(answer: str, tool: str | None = None, args: dict[str, Any] | None = None, **kw: Any) -> Reply:
    """A reply; a named tool ran with `args` and returned data unless `data=[]` (a tool error)."""
    tools = [{"name": tool, "args": args or {}}] if tool else []
    data = kw.pop("data", [{"rows": 1}] if tool else [])
    return Reply(answer, "deterministic", kw.pop("language", "id"), tools, data, **kw)


def single(user: str, tool: Any, args: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    """An item asking one question, as JSON."""
    expect = {"tool": tool, "args": args or {}}
    return {"lang": "id", "user": user, "question": "q", "expect": expect, **kw}


def evaluate(engine: Engine, today: date, tmp: Path, cases: list[tuple[dict[str, Any], list[Reply]]]) -> Any:
    """Run each case (an item and the replies to its turns) and return the report and the agent."""
    items = [GoldenItem.model_validate({"id": f"case-{i}", **item}) for i, (item, _) in enumerate(cases)]
    agent = Scripted([r for _, replies in cases for r in replies])
    url = engine.url.render_as_string(hide_password=False)
    report = run_eval(url, today, tmp, items={"dev": items}, agent=agent)
    assert not agent.replies, "script not used up"
    return report, agent


def classes(report: EvalReport) -> list[str]:
    return [r.outcome for r in report.results]


def test_answers_are_correct_or_wrong_by_subject_and_figures(
    seeded_engine: Engine, spec_today: date, tmp_path: Path
) -> None:
    item = single("director", SALES, {"metrics": ["sales"]}, facts=[SALES_M0])
    cases = [
        (item, [reply(SALES_TEXT, "query_metrics", {"metrics": ["sales", "orders"]})]),  # args a superset
        (item, [reply(SALES_TEXT, "sales_summary", {"start": "x"})]),  # not the first tool: args not checked
        (
            item,
            [reply(SALES_TEXT, "query_metrics", {"metrics": ["orders"]})],
        ),  # the right figure, wrong subject
        (item, [reply("Penjualan bulan ini: Rp 463.700.001", "sales_summary")]),  # a wrong figure
        (item, [reply(SALES_TEXT, "cash_position")]),  # a tool not in the list
        (item, [reply("Maaf, saya belum bisa menjawab itu.", intent="unknown")]),  # an honest can't
        (
            item,
            [reply("Maaf, terjadi kesalahan.", "query_metrics", {"metrics": ["sales"]}, data=[])],
        ),  # tool error
        (
            item,
            [reply("Maksud Anda?\n1. penjualan\n2. piutang", intent="clarify")],
        ),  # an unasked clarification
    ]
    report, _ = evaluate(seeded_engine, spec_today, tmp_path, cases)
    assert classes(report) == [
        "correct", "correct", "wrong", "wrong", "wrong", "cant", "cant", "clarified",
    ]  # fmt: skip
    assert (report.overall.correct, report.overall.clarified, report.overall.cant, report.overall.wrong) == (
        2, 1, 2, 3,
    )  # fmt: skip
    assert [r.outcome for r in report.failures][:3] == ["wrong"] * 3  # the wrong ones first


def test_refusals_out_of_scope_and_leaks(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> None:
    refusal = single("operator1", SALES, {"metrics": ["sales"]}, refusal=True, restricted=[SALES_M0])
    refused = "Maaf, data itu tidak tersedia untuk peran Anda."
    out_of_scope = single("director", None)
    cases = [
        (refusal, [reply(refused, refused=True, intent="query_metrics")]),
        (refusal, [reply(refused, refused=True, intent="cash_position")]),  # refused, for another reason
        (refusal, [reply(refused + " " + SALES_TEXT, refused=True, intent="query_metrics")]),  # a leak
        (
            refusal,
            [reply("Sales this month: IDR 463,700,000", refused=True, intent="sales_summary")],
        ),  # en leak
        (refusal, [reply("Output mesin bulan ini: 230.398", "machine_performance")]),  # another subject
        (out_of_scope, [reply("Maaf, saya belum bisa menjawab itu.", intent="unknown")]),
        (out_of_scope, [reply(SALES_TEXT, "sales_summary")]),  # answered a question nobody asked
    ]
    report, _ = evaluate(seeded_engine, spec_today, tmp_path, cases)
    assert classes(report) == ["correct", "cant", "wrong", "wrong", "wrong", "correct", "wrong"]
    assert report.overall.leaks == 2
    assert [r.refusal_ok for r in report.results[:5]] == [True, True, False, False, False]


@pytest.mark.parametrize(
    ("options", "sent", "expected"),
    [
        ("1. PT Global Supply (vendor)\n2. PT Global Tech (pelanggan)", ["q", "2"], ["correct", "correct"]),
        ("1) PT Global Tech\n2) PT Global Supply", ["q", "1"], ["correct", "correct"]),
        # The reading asked for is not offered: the clarification failed and the reply is never sent.
        ("1. PT Global Supply\n2. PT Maju Jaya", ["q"], ["clarified", "cant"]),
    ],
)
def test_a_clarification_is_answered_with_the_number_of_the_reading_asked_for(
    seeded_engine: Engine,
    spec_today: date,
    tmp_path: Path,
    options: str,
    sent: list[str],
    expected: list[str],
) -> None:
    conversation = {
        "lang": "id",
        "user": "director",
        "conversation": [
            {"question": "q", "expect": {"tool": None, "clarify": True}},
            {
                "question": "1",
                "expect": {"tool": ["query_metrics", "receivables"]},
                "facts": [AR_GT],
                "pick": "global tech",
            },
        ],
    }
    replies = [reply("Yang mana?\n" + options, intent="clarify")]
    if len(sent) == 2:
        replies.append(
            reply("Piutang PT Global Tech: Rp 174.000.000", "query_metrics", {"metrics": ["receivables"]})
        )
    report, agent = evaluate(seeded_engine, spec_today, tmp_path, [(conversation, replies)])
    assert agent.asked == sent
    assert classes(report) == expected


def test_a_clarification_is_wrong_where_an_answer_is_given(
    seeded_engine: Engine, spec_today: date, tmp_path: Path
) -> None:
    """An ambiguous question answered with one reading (or none) is not a clarification."""
    ambiguous = {
        "lang": "id",
        "user": "director",
        "question": "tagihan Global?",
        "expect": {"tool": None, "clarify": True},
    }
    cases = [
        (ambiguous, [reply("Piutang PT Global Tech: Rp 174.000.000", "query_metrics")]),
        (ambiguous, [reply("Maaf, saya belum bisa menjawab itu.", intent="unknown")]),
        (ambiguous, [reply("Yang mana?\n1. PT Global Tech\n2. PT Global Supply", intent="clarify")]),
    ]
    report, _ = evaluate(seeded_engine, spec_today, tmp_path, cases)
    assert classes(report) == ["wrong", "cant", "correct"]
    assert report.by_split["dev"].wrong == 1
