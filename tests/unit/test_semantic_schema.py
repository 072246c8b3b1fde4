"""The model's tool schemas come from the catalog: per-caller enums, small enough for a small model, and
in step with the Query and Lookup models that validate the calls."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from semantic.catalog import CATALOG, Catalog
from semantic.model import Words
from semantic.query import Lookup, Query
from semantic.schema import LOOKUP_TOOL, QUERY_TOOL, lookup_tool, model_tools, query_tool
from textkit.tokens import TokenCounter
from warehouse.seed.access import PERMISSIONS, ROLES

TODAY = date(2024, 12, 27)
EVERYTHING = frozenset(PERMISSIONS)
OPERATOR = frozenset(ROLES["OPERATOR"][4])
MAX_TOKENS = 1500  # both schemas together, for the caller who may see everything


def function(tool: dict[str, Any] | None) -> dict[str, Any]:
    assert tool is not None and tool["type"] == "function"
    return dict(tool["function"])


def enum(tool: dict[str, Any] | None, prop: str) -> list[str]:
    params = function(tool)["parameters"]["properties"][prop]
    return list(params["items"]["enum"] if "items" in params else params["enum"])


def test_everything_visible_is_offered_to_a_caller_holding_every_permission() -> None:
    tools = model_tools(EVERYTHING, TODAY)
    assert [t["function"]["name"] for t in tools] == [QUERY_TOOL, LOOKUP_TOOL]
    assert enum(tools[0], "metrics") == [m.name for m in CATALOG.visible_metrics()]
    assert "ideal_output" not in enum(tools[0], "metrics")  # a hidden building block
    assert enum(tools[1], "attributes") == list(CATALOG.attributes)
    assert set(enum(tools[0], "group_by")) == set(CATALOG.dimensions)
    assert "Today is 2024-12-27." in function(tools[0])["description"]


def test_an_operators_enums_lack_finance_and_sales() -> None:
    metrics = enum(query_tool(OPERATOR, TODAY), "metrics")
    assert {"output", "reject_rate", "oee", "downtime", "maint_cost"} <= set(metrics)
    forbidden = {"sales", "receivables", "payables", "cash_balance", "cash_in", "purchase_value"}
    assert not forbidden & set(metrics)
    assert "customer" not in enum(query_tool(OPERATOR, TODAY), "group_by")  # no metric of theirs has it
    lookup = lookup_tool(OPERATOR)
    assert enum(lookup, "entity") == ["machine"]
    assert "bank_account" not in enum(lookup, "attributes")
    description = function(query_tool(OPERATOR, TODAY))["description"]
    assert "saldo kas" not in description and "tingkat reject" in description


def test_a_caller_without_any_metric_or_attribute_gets_no_semantic_tool() -> None:
    assert model_tools({"KB.READ", "ALERT.READ"}) == []


def test_descriptions_carry_both_languages_labels() -> None:
    query = function(query_tool(EVERYTHING))["description"]
    assert "orders=jumlah order/number of orders" in query
    assert "receivables=piutang*" in query  # a balance is starred: it takes no period
    lookup = function(lookup_tool(EVERYTHING))["description"]
    assert "credit_limit=limit kredit" in lookup and "machine: capacity=kapasitas per jam" in lookup


def test_adding_a_catalog_entry_changes_the_schema() -> None:
    metric = replace(CATALOG.metrics["sales"], name="net_sales", words=Words("penjualan bersih", "net sales"))
    attribute = replace(
        CATALOG.attributes["credit_limit"], name="credit_used", words=Words("kredit terpakai", "credit used")
    )
    bigger = Catalog(
        {**CATALOG.metrics, metric.name: metric},
        CATALOG.dimensions,
        {**CATALOG.attributes, attribute.name: attribute},
    )
    query, lookup = model_tools(EVERYTHING, catalog=bigger)
    assert enum(query, "metrics")[-1] == "net_sales"
    assert (
        "; net_sales=penjualan bersih." in function(query)["description"]
    )  # "net sales" only repeats the name
    assert "credit_used" in enum(lookup, "attributes")
    assert model_tools(EVERYTHING) != [query, lookup]


def test_the_two_schemas_stay_small(tmp_path: Path) -> None:
    counter = TokenCounter(tmp_path / "tiktoken")
    tokens = counter.count(json.dumps(model_tools(EVERYTHING, TODAY)))
    assert tokens < MAX_TOKENS, tokens
    operator = counter.count(json.dumps(model_tools(OPERATOR, TODAY)))
    assert operator < tokens * 2 / 3  # a narrower role gets a narrower schema


GOOD_QUERIES = [
    {"metrics": ["sales"], "period": {"start": "2024-12-01", "end": "2024-12-27", "label": "bulan ini"}},
    {
        "metrics": ["sales", "orders"],
        "group_by": ["customer"],
        "filters": {"segment": ["VIP"]},
        "period": {"start": "2024-12-01", "end": "2024-12-27"},
        "compare": {"start": "2024-11-01", "end": "2024-11-27"},
        "order": "desc",
        "limit": 5,
    },
    {"metrics": ["cash_balance"]},
    {"metrics": ["reject_rate"], "group_by": ["machine", "week"], "filters": {"machine": ["MCH-003"]}},
]
BAD_QUERIES = [
    {"metrics": ["profit"]},
    {"metrics": []},
    {"metrics": ["sales"], "group_by": ["colour"]},
    {"metrics": ["sales"], "filters": {"colour": ["red"]}},
    {"metrics": ["sales"], "period": {"start": "2024-12-01"}},
    {"metrics": ["sales"], "limit": 51},
    {"metrics": ["sales"], "sql": "DROP TABLE t_so"},
]


@pytest.mark.parametrize("args", GOOD_QUERIES)
def test_what_the_schema_accepts_the_query_model_accepts(args: dict[str, Any]) -> None:
    schema = function(query_tool(EVERYTHING))["parameters"]
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(args, schema)
    assert Query.model_validate(args).model_dump(mode="json", exclude_none=True)["metrics"] == args["metrics"]


@pytest.mark.parametrize("args", BAD_QUERIES)
def test_what_the_schema_refuses_the_query_model_refuses(args: dict[str, Any]) -> None:
    schema = function(query_tool(EVERYTHING))["parameters"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(args, schema)
    with pytest.raises(ValueError):
        Query.model_validate(args)


def test_every_offered_name_is_one_the_models_accept() -> None:
    for metric in enum(query_tool(EVERYTHING), "metrics"):
        Query.model_validate({"metrics": [metric]})
    lookup = lookup_tool(EVERYTHING)
    for name in enum(lookup, "attributes"):
        entity = CATALOG.attributes[name].entity
        assert entity in enum(lookup, "entity")
        Lookup.model_validate({"entity": entity, "codes": ["X-1"], "attributes": [name]})
