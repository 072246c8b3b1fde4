"""The model's tools over the semantic layer: `query_metrics` and `lookup_attributes`, run like the parser's.

A call's arguments are validated as a Query or Lookup (against the whole catalog), permission-checked with
semantic.access (the offered enums are already cut to the caller's permissions; this is the check that
counts), then compiled to bound-parameter SQL and run on a read session at the business date. Invalid or
forbidden calls come back as ToolResult errors the model can read; no SQL runs for them.

The offer, in order: the two semantic tools, the registry's document tools the caller may run (order
status, approvals, ageing…: what no query object expresses), and the ad-hoc SQL tool last.
"""

from __future__ import annotations

import re
import time
from typing import Any

from pydantic import ValidationError

from agent.core import ROLLUPS, Agent
from agent.llm_support import tool_specs
from agent.periods import this_month
from agent.understand.names import Names
from agent.understand.normalize import tokens_of
from models.port import ToolCall
from semantic.access import denied
from semantic.catalog import CATALOG
from semantic.compiler import Compiler
from semantic.lookup import run_lookup
from semantic.query import Lookup, Query, Span
from semantic.schema import LOOKUP_TOOL, QUERY_TOOL, model_tools
from tools.registry import Caller, ToolResult

SEMANTIC_TOOLS: dict[str, type[Query] | type[Lookup]] = {QUERY_TOOL: Query, LOOKUP_TOOL: Lookup}
# Registry tools whose figures query_metrics gives (totals, rankings, per-machine rates): not offered next
# to it, so the model has one way to ask for a figure and the schemas stay small.
SUPERSEDED = frozenset({"sales_summary", "top_customers", "machine_performance"})
LAST_RESORT = "query_views"  # ad-hoc SQL over the reporting views (DATA.QUERY), offered last
MAX_ERRORS = 3  # validation errors named back to the model


def offered_tools(agent: Agent, caller: Caller) -> list[dict[str, Any]]:
    """The tool definitions a model gets for this caller: semantic first, ad-hoc SQL last."""
    semantic = model_tools(caller.permissions, agent.today())
    registry = tool_specs(agent.registry, caller)
    if semantic:
        registry = [s for s in registry if s["function"]["name"] not in SUPERSEDED]
    last = [s for s in registry if s["function"]["name"] == LAST_RESORT]
    rest = [s for s in registry if s["function"]["name"] != LAST_RESORT]
    return [*semantic, *rest, *last]


def is_semantic(name: str) -> bool:
    """Whether a tool name is one of the semantic layer's tools."""
    return name in SEMANTIC_TOOLS


def parse_call(call: ToolCall) -> Query | Lookup | ToolResult:
    """A semantic tool call's arguments as a validated Query or Lookup, or the error to send back."""
    model = SEMANTIC_TOOLS[call.name]
    raw = call.raw_arguments.strip()
    if not call.arguments and raw not in ("", "{}"):
        return _error(call, "invalid_args", "The arguments are not a JSON object.")
    try:
        return model.model_validate(call.arguments)
    except ValidationError as exc:
        return _error(call, "invalid_args", _problems(exc))


def run_semantic(agent: Agent, caller: Caller, call: ToolCall) -> ToolResult:
    """Validate, permission-check, compile and run one semantic tool call (timed like registry tools)."""
    started = time.perf_counter()
    result = _run(agent, caller, call)
    for observe in agent.registry.observers:
        observe(result, time.perf_counter() - started)
    return result


def _run(agent: Agent, caller: Caller, call: ToolCall) -> ToolResult:
    request = parse_call(call)
    if isinstance(request, ToolResult):
        return request
    args = request.model_dump(mode="json", exclude_none=True)
    refused = denied(request, caller.permissions)
    if refused:
        message = f"Not permitted for this role: {', '.join(refused)}."
        return ToolResult(call.name, args, False, error="forbidden", message=message)
    with agent.sessions() as session:
        today = agent.today()
        names = agent.parser(session).names
        request = with_codes(request, names)
        if unknown := unresolved(request, names):  # never a silent zero for a name that matches nothing
            return ToolResult(call.name, args, False, error="unknown_name", message=unknown)
        assumed: dict[str, str] = {}
        if isinstance(request, Query) and request.period is None and _flows(request):
            # a flow without a period is this month, as the parser reads it (never the all-time total)
            month = this_month(today, "en")
            request = request.model_copy(
                update={"period": Span(start=month.start, end=month.end, label="this month")}
            )
            assumed["period"] = "this month (none was given): say so in the answer"
        args = request.model_dump(mode="json", exclude_none=True)
        try:
            if isinstance(request, Query):
                data = Compiler(today, rollups=ROLLUPS).run(session, request).as_json()
            else:
                data = run_lookup(session, request, today).as_json()
            if assumed:
                data["assumed"] = assumed
        except ValueError as exc:  # a combination of dimensions no single source holds
            return ToolResult(call.name, args, False, error="invalid_args", message=str(exc))
    return ToolResult(call.name, args, True, data=data)


CODE = re.compile(r"^[A-Z]{2,4}-[A-Z]?\d{1,6}$")  # CUST-005, MCH-003, WH-B1


def with_codes(request: Query | Lookup, names: Names) -> Query | Lookup:
    """The request with entity names the model wrote ("PT Global Tech") replaced by their codes, when the
    name is exactly one thing of the right kind (else it stays, and matches nothing)."""

    def code(kind: str, value: str) -> str:
        if CODE.match(value):
            return value
        hits, _ambiguous = names.find(tokens_of(value))
        found = {h.code for h in hits if h.kind == kind}
        return found.pop() if len(found) == 1 else value

    if isinstance(request, Lookup):
        return request.model_copy(update={"codes": [code(request.entity, c) for c in request.codes]})
    filters = {
        dim: [code(dim, v) for v in values] if CATALOG.dimensions[dim].entity else values
        for dim, values in request.filters.items()
    }
    return request.model_copy(update={"filters": filters})


def _flows(query: Query) -> bool:
    """Whether any asked metric adds up over time (sales, output), unlike a balance as of today."""
    return any(CATALOG.metrics[m].time != "snapshot" for m in query.metrics)


def unresolved(request: Query | Lookup, names: Names) -> str:
    """A message naming the names that resolved to no code of their kind ('' when all did)."""
    pairs: list[tuple[str, str]]
    if isinstance(request, Lookup):
        pairs = [(str(request.entity), c) for c in request.codes]
    else:
        pairs = [(d, v) for d, vs in request.filters.items() if CATALOG.dimensions[d].entity for v in vs]
    missing = [(kind, value) for kind, value in pairs if not names.name_of(kind, value)]
    if not missing:
        return ""
    kind, value = missing[0]
    some = ", ".join(f"{name} ({code})" for code, name in names.codes(kind)[:8])
    return f"No {kind} named {value!r}. Ask the user which one they mean; known: {some}."


def _problems(exc: ValidationError) -> str:
    """The first few validation problems, each with where it is ("period.start: …")."""
    parts = []
    for error in exc.errors()[:MAX_ERRORS]:
        where = ".".join(str(p) for p in error["loc"])
        what = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {what}" if where else what)
    return "; ".join(parts)


def _error(call: ToolCall, code: str, message: str) -> ToolResult:
    args = call.arguments or ({"raw": call.raw_arguments[:200]} if call.raw_arguments else {})
    return ToolResult(call.name, args, False, error=code, message=message)
