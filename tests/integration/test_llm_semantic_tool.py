"""The model's semantic tools on the seeded warehouse, with a scripted model: a query_metrics or
lookup_attributes call is validated, permission-checked, compiled and run, and its figures ground the
answer; invalid and forbidden calls come back as errors, run no SQL and leak nothing."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from agent.core import Agent, Reply
from agent.factory import make_agent
from agent.llm import LlmAgent, LlmConfig
from agent.llm_support import check_answer, sources_of
from models.fakes import ScriptedModel, answer, tool_call
from models.port import Completion, Message
from semantic.compiler import Compiler
from semantic.query import Query
from tests.integration.toolkit import role_caller, rows
from tools.registry import Caller

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the turn, not the SQL

DECEMBER = {"start": "2024-12-01", "end": "2024-12-27", "label": "bulan ini"}
FINANCE = {"sales", "receivables", "payables", "cash_balance", "cash_in", "cash_out", "purchase_value"}


@dataclass
class Watched:
    """A scripted model that notes how many SQL statements had run when each call came in."""

    script: ScriptedModel
    statements: list[str]
    seen: list[int] = field(default_factory=list)
    name: str = "scripted"

    async def complete(self, messages: list[Message], **kwargs: Any) -> Completion:
        self.seen.append(len(self.statements))
        return await self.script.complete(messages, **kwargs)

    def stream(self, messages: list[Message], **kwargs: Any) -> Any:
        raise AssertionError("tool calling never streams")

    def tool_messages(self, call: int) -> list[dict[str, Any]]:
        """The tool results the model had been sent by its `call`-th call (0-based)."""
        sent = self.script.calls[call].messages
        return [json.loads(m["content"]) for m in sent if m["role"] == "tool"]

    def offered(self, call: int = 0) -> dict[str, dict[str, Any]]:
        """Tool name -> its function definition, as offered in a call."""
        return {t["function"]["name"]: t["function"] for t in self.script.calls[call].tools or []}


@pytest.fixture
def agent(seeded_engine: Engine, spec_today: date) -> Agent:
    return make_agent(sessionmaker(seeded_engine), spec_today)


@pytest.fixture
def statements(seeded_engine: Engine) -> list[str]:
    """Every SQL statement run on the warehouse from here on."""
    seen: list[str] = []
    event.listen(seeded_engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def compiled(engine: Engine, query: dict[str, Any]) -> dict[str, Any]:
    """A query's result, compiled and run directly."""
    with Session(engine) as session:
        return Compiler(date(2024, 12, 27)).run(session, Query.model_validate(query)).as_json()


def turn(agent: Agent, model: Watched, caller: Caller, question: str) -> Reply:
    llm = LlmAgent(agent, lambda: model, LlmConfig(tool_calling=True))
    reply = asyncio.run(llm.aask(caller, question))
    model.script.assert_done()
    return reply


def test_figures_from_the_compiled_query_reach_the_answer_and_pass_the_checks(
    agent: Agent, seeded_engine: Engine, statements: list[str]
) -> None:
    director = role_caller(seeded_engine, "DIRECTOR")
    query = {"metrics": ["sales"], "group_by": ["customer"], "period": DECEMBER, "order": "desc"}
    text = (
        "Penjualan bulan ini Rp 463.700.000: PT Global Tech Rp 431.200.000, "
        "PT ABC Manufacturing Rp 32.500.000."
    )
    model = Watched(ScriptedModel([tool_call("query_metrics", query), answer(text)]), statements)
    reply = turn(agent, model, director, "berapa penjualan bulan ini?")
    assert (reply.mode, reply.reason, reply.answer) == ("llm", None, text)
    assert reply.tools == [{"name": "query_metrics", "args": {**query, "filters": {}}}]
    result = reply.data[0]
    assert result["total"] == {"sales": "463700000.00"}
    assert [(r["key"], r["values"]["sales"]) for r in result["rows"]] == [
        (["CUST-005"], "431200000.00"),
        (["CUST-001"], "32500000.00"),
    ]
    assert model.tool_messages(1) == [{"ok": True, "data": result}]  # the model read what the reply holds
    assert model.seen[1] > model.seen[0]  # the query ran between the two model calls
    # The per-customer figures are in the compiled result only: the router's own data would not ground them.
    base = agent.ask(director, "berapa penjualan bulan ini?")
    assert not check_answer(text, system_prompt="", sources=sources_of(base)).ok


def test_an_invalid_call_gets_the_problem_back_runs_no_sql_and_may_be_retried_once(
    agent: Agent, seeded_engine: Engine, statements: list[str]
) -> None:
    director = role_caller(seeded_engine, "DIRECTOR")
    model = Watched(
        ScriptedModel(
            [
                tool_call("query_metrics", {"metrics": ["profit"]}, "c1"),
                tool_call("query_metrics", {"metrics": ["sales"], "period": DECEMBER}, "c2"),
                answer("Penjualan bulan ini Rp 463.700.000."),
            ]
        ),
        statements,
    )
    reply = turn(agent, model, director, "berapa penjualan bulan ini?")
    assert reply.mode == "llm", reply.reason
    error = model.tool_messages(1)[0]
    assert error["ok"] is False and error["error"] == "invalid_args"
    assert "unknown metric 'profit'" in error["message"]
    assert model.seen[1] == model.seen[0]  # nothing ran for the invalid call
    assert [t["name"] for t in reply.tools] == ["query_metrics"]  # only the call that ran
    assert [c["ok"] for c in reply.meta["tool_calls"]] == [False, True]


def test_a_second_invalid_call_ends_the_turn_with_the_routers_answer(
    agent: Agent, seeded_engine: Engine, statements: list[str]
) -> None:
    director = role_caller(seeded_engine, "DIRECTOR")
    bad_dimension = {"metrics": ["sales"], "group_by": ["machine"], "period": DECEMBER}
    model = Watched(
        ScriptedModel(
            [
                tool_call("query_metrics", {"metrics": ["sales"], "period": {"start": "2024-12-31"}}, "c1"),
                tool_call("query_metrics", bad_dimension, "c2"),
            ]
        ),
        statements,
    )
    reply = turn(agent, model, director, "berapa penjualan bulan ini?")
    assert len(statements) == model.seen[0]  # neither call ran any SQL
    assert (reply.mode, reply.reason) == ("fallback", "invalid_tool_args")
    assert reply.answer == agent.ask(director, "berapa penjualan bulan ini?").answer
    messages = [m["message"] for m in model.tool_messages(1)]
    assert messages == ["period.end: Field required"]
    assert [c["ok"] for c in reply.meta["tool_calls"]] == [False, False]


def test_an_operator_is_not_offered_finance_and_a_forbidden_call_leaks_nothing(
    agent: Agent, seeded_engine: Engine, statements: list[str]
) -> None:
    operator = role_caller(seeded_engine, "OPERATOR")
    model = Watched(
        ScriptedModel(
            [
                tool_call("query_metrics", {"metrics": ["cash_balance", "payables"]}, "c1"),
                tool_call(
                    "lookup_attributes",
                    {"entity": "vendor", "codes": ["VND-002"], "attributes": ["bank_account"]},
                    "c2",
                ),
                answer("Maaf, saya tidak punya data itu."),
            ]
        ),
        statements,
    )
    reply = turn(agent, model, operator, "berapa reject rate MCH-003 minggu ini?")
    offered = model.offered()
    metrics = set(offered["query_metrics"]["parameters"]["properties"]["metrics"]["items"]["enum"])
    assert {"reject_rate", "oee", "downtime"} <= metrics and not metrics & FINANCE
    attributes = offered["lookup_attributes"]["parameters"]["properties"]["attributes"]["items"]["enum"]
    assert "bank_account" not in attributes and "credit_limit" not in attributes
    assert "query_views" not in offered and "cash_position" not in offered
    refusals = model.tool_messages(2)
    assert [(r["ok"], r["error"]) for r in refusals] == [(False, "forbidden"), (False, "forbidden")]
    assert refusals[0]["message"] == "Not permitted for this role: cash_balance, payables."
    assert all("data" not in r for r in refusals)
    assert model.seen[2] == model.seen[0]  # no SQL ran for either call
    assert (reply.mode, reply.reason) == ("fallback", "no_tool_data")
    sent = json.dumps([m for call in model.script.calls for m in call.messages if m["role"] != "system"])
    cash, payables = (
        compiled(seeded_engine, {"metrics": [m]})["total"][m] for m in ("cash_balance", "payables")
    )
    account = rows(seeded_engine, "SELECT bank_acc FROM m_vendor WHERE code = 'VND-002'")[0][0]
    for secret in (cash, payables, cash.removesuffix(".00"), payables.removesuffix(".00"), account):
        assert secret not in sent


def test_a_lookup_call_answers_an_attribute_with_its_figure(
    agent: Agent, seeded_engine: Engine, statements: list[str]
) -> None:
    director = role_caller(seeded_engine, "DIRECTOR")
    lookup = {"entity": "customer", "codes": ["CUST-005"], "attributes": ["credit_limit", "payment_terms"]}
    text = "Limit kredit PT Global Tech (CUST-005) Rp 1.000.000.000, termin 60 hari."
    model = Watched(ScriptedModel([tool_call("lookup_attributes", lookup), answer(text)]), statements)
    reply = turn(agent, model, director, "berapa limit kredit PT Global Tech?")
    assert (reply.mode, reply.answer) == ("llm", text), reply.reason
    assert reply.tools == [{"name": "lookup_attributes", "args": lookup}]
    found = reply.data[0]["found"]
    assert found == [
        {
            "code": "CUST-005",
            "name": "PT Global Tech",
            "values": {"credit_limit": "1000000000.00", "payment_terms": 60},
        }
    ]


def test_a_name_the_model_writes_is_resolved_to_its_code(
    agent: Agent, seeded_engine: Engine, statements: list[str]
) -> None:
    """The model knows names, not codes: "PT Global Tech" in a filter reaches CUST-005's figures."""
    director = role_caller(seeded_engine, "DIRECTOR")
    query = {"metrics": ["sales"], "filters": {"customer": ["PT Global Tech"]}, "period": DECEMBER}
    text = "Penjualan PT Global Tech bulan ini Rp 431.200.000."
    model = Watched(ScriptedModel([tool_call("query_metrics", query), answer(text)]), statements)
    reply = turn(agent, model, director, "penjualan PT Global Tech bulan ini?")
    assert reply.tools[0]["args"]["filters"] == {"customer": ["CUST-005"]}
    assert reply.data[0]["total"] == {"sales": "431200000.00"} and reply.mode == "llm", reply.reason


def test_a_flow_asked_without_a_period_is_this_month_and_the_model_is_told(
    agent: Agent, seeded_engine: Engine, statements: list[str]
) -> None:
    """The model left the period out: this month (as the parser reads it), never the all-time total."""
    director = role_caller(seeded_engine, "DIRECTOR")
    text = "Penjualan bulan ini Rp 463.700.000."
    model = Watched(
        ScriptedModel([tool_call("query_metrics", {"metrics": ["sales"]}), answer(text)]), statements
    )
    reply = turn(agent, model, director, "berapa penjualan?")
    assert reply.tools[0]["args"]["period"] == {**DECEMBER, "label": "this month"}
    sent = model.tool_messages(1)[0]
    assert (
        sent["data"]["total"] == {"sales": "463700000.00"}
        and "this month" in sent["data"]["assumed"]["period"]
    )


def test_a_name_that_is_nothing_of_ours_is_an_error_not_a_zero(
    agent: Agent, seeded_engine: Engine, statements: list[str]
) -> None:
    """'PT Nusantara' is no customer: the model hears so, with the known ones, and no figure is made up."""
    director = role_caller(seeded_engine, "DIRECTOR")
    query = {"metrics": ["sales"], "filters": {"customer": ["PT Nusantara"]}, "period": DECEMBER}
    ask_back = "Saya tidak menemukan pelanggan PT Nusantara. Maksud Anda PT Maju Jaya atau PT Global Tech?"
    model = Watched(ScriptedModel([tool_call("query_metrics", query), answer(ask_back)]), statements)
    turn(agent, model, director, "penjualan PT Nusantara bulan ini?")
    error = model.tool_messages(1)[0]
    assert error["ok"] is False and error["error"] == "unknown_name"
    assert "'PT Nusantara'" in error["message"] and "PT Global Tech (CUST-005)" in error["message"]
