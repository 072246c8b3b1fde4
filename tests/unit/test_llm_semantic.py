"""The semantic tools in the model's tool loop, without a database: what is offered and in which order,
and that invalid or forbidden calls are answered before any session is opened."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel

from agent.llm_semantic import offered_tools, parse_call, run_semantic
from models.port import ToolCall
from semantic.query import Lookup, Query
from tools.registry import Caller, ToolContext, ToolRegistry, ToolResult

SALES_DIRECTOR = Caller("dir", "DIRECTOR", frozenset({"SO.READ", "DATA.QUERY", "KB.READ"}))
PLANT = Caller("op", "OPERATOR", frozenset({"PROD.READ"}))


class NoArgs(BaseModel):
    """No arguments."""


class NoDatabase:
    """An agent whose sessions must never be opened, with a small registry."""

    def __init__(self) -> None:
        self.registry = ToolRegistry()
        self.timed: list[str] = []
        self.registry.observers.append(lambda result, _s: self.timed.append(result.name))
        for name, permission in [
            ("query_views", "DATA.QUERY"),
            ("sales_summary", "SO.READ"),
            ("so_status", "SO.READ"),
            ("wo_progress", "WO.READ"),
        ]:
            self.registry.register(name, NoArgs, permission)(self._never)

    @staticmethod
    def _never(ctx: ToolContext, args: NoArgs, caller: Caller) -> Any:
        raise AssertionError("not run in these tests")

    @contextmanager
    def sessions(self) -> Iterator[None]:
        raise AssertionError("no session may be opened for this call")
        yield None

    def today(self) -> date:
        return date(2024, 12, 27)


def names(specs: list[dict[str, Any]]) -> list[str]:
    return [s["function"]["name"] for s in specs]


def test_semantic_tools_come_first_superseded_ones_go_and_ad_hoc_sql_comes_last() -> None:
    agent = NoDatabase()
    offered = offered_tools(agent, SALES_DIRECTOR)  # type: ignore[arg-type]
    assert names(offered) == ["query_metrics", "lookup_attributes", "so_status", "query_views"]
    metrics = offered[0]["function"]["parameters"]["properties"]["metrics"]["items"]["enum"]
    assert metrics == ["sales", "orders", "avg_order_value", "qty_sold"]


def test_without_any_metric_the_registry_tools_stay_as_they_were() -> None:
    caller = Caller("wo", "STAFF", frozenset({"WO.READ"}))
    assert names(offered_tools(NoDatabase(), caller)) == ["wo_progress"]  # type: ignore[arg-type]


def call(name: str, arguments: dict[str, Any], raw: str = "") -> ToolCall:
    return ToolCall("c1", name, arguments, raw)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"metrics": ["profit"]}, "unknown metric 'profit'"),
        ({"metrics": ["sales"], "group_by": ["machine"]}, "sales cannot be split or filtered by machine"),
        ({"metrics": ["sales"], "group_by": ["colour"]}, "unknown dimension 'colour'"),
        ({"metrics": ["sales"], "period": {"start": "2024-12-31", "end": "2024-12-01"}}, "end is before"),
        ({"metrics": ["sales"], "period": {"start": "2024-13-01", "end": "2024-12-01"}}, "period.start: "),
        ({"metrics": ["sales"], "filters": {"customer": ["x'; DROP TABLE t_so"]}}, "filters.customer.0: "),
        ({}, "metrics: Field required"),
    ],
)
def test_invalid_arguments_name_the_problem(arguments: dict[str, Any], message: str) -> None:
    result = parse_call(call("query_metrics", arguments))
    assert isinstance(result, ToolResult) and result.error == "invalid_args"
    assert message in (result.message or ""), result.message


def test_arguments_that_are_not_json_are_reported_as_such() -> None:
    # models/openai_compat.py parses the wire's arguments string; on bad JSON it keeps the text only.
    result = parse_call(call("query_metrics", {}, '{"metrics": ["sales"'))
    assert isinstance(result, ToolResult)
    assert (result.error, result.message) == ("invalid_args", "The arguments are not a JSON object.")
    assert result.args == {"raw": '{"metrics": ["sales"'}


def test_valid_arguments_become_a_query_or_a_lookup() -> None:
    query = parse_call(call("query_metrics", {"metrics": ["oee"], "group_by": ["machine"], "limit": 3}))
    assert isinstance(query, Query) and query.limit == 3
    lookup = {"entity": "machine", "codes": ["MCH-003"], "attributes": ["capacity"]}
    assert isinstance(parse_call(call("lookup_attributes", lookup)), Lookup)


@pytest.mark.parametrize(
    ("name", "arguments", "refused"),
    [
        ("query_metrics", {"metrics": ["oee", "cash_balance"]}, "cash_balance"),
        ("lookup_attributes", {"entity": "vendor", "codes": ["VND-1"], "attributes": ["bank_account"]}, ""),
    ],
)
def test_a_forbidden_call_is_refused_before_any_session_opens(
    name: str, arguments: dict[str, Any], refused: str
) -> None:
    agent = NoDatabase()
    result = run_semantic(agent, PLANT, call(name, arguments))  # type: ignore[arg-type]
    assert (result.ok, result.error, result.data) == (False, "forbidden", None)
    assert refused in (result.message or "") and "oee" not in (result.message or "")
    assert agent.timed == [name]  # timed into /metrics like a registry tool
