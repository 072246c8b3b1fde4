"""query_views: guarded ad-hoc SELECT over the read-only reporting views, for questions no tool covers.

Layers, outermost first: the caller needs DATA.QUERY; arguments are typed and bounded; tools/adhoc_sql.py
filters the text (one SELECT, views and functions from allow-lists); tools/adhoc_run.py runs it where the
database itself enforces read-only access to the views, with a row cap and a time limit. Every failure is
a ToolError with a stable code (not_allowed, invalid_sql, timeout, query_failed) and a generic message;
database error text only ever goes to the server log.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tools.adhoc_run import run_checked
from tools.adhoc_sql import SqlRefused, check_sql
from tools.money import Money
from tools.registry import REGISTRY, Caller, ToolContext, ToolError
from warehouse.views import VIEWS

log = logging.getLogger(__name__)

MAX_SQL_CHARS = 4000
ROW_CAP = 200
TIMEOUT_MS = 2000

ParamName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,39}$")]
ParamValue = Annotated[str, Field(max_length=1000)] | int | float | bool | None
Cell = bool | int | Money | float | str | None


class QueryArgs(BaseModel):
    """One SELECT over the v_* views; :name placeholders bound from params (:today = the business date)."""

    model_config = ConfigDict(extra="forbid")

    sql: str = Field(min_length=1, max_length=MAX_SQL_CHARS)
    params: dict[ParamName, ParamValue] = Field(default_factory=dict, max_length=20)


class QueryResult(BaseModel):
    """Rows of an ad-hoc query: column names, values (dates and UUIDs as text), and the cap applied."""

    columns: list[str]
    rows: list[list[Cell]]
    row_count: int
    truncated: bool  # more rows existed than the cap; row_count counts the rows returned
    views_used: list[str]


def allowed_views() -> list[str]:
    """Names of the views ad-hoc queries may read."""
    return [v.name for v in VIEWS]


def catalogue() -> dict[str, list[str]]:
    """View name -> its column names (for a model's prompt)."""
    return {v.name: v.column_names for v in VIEWS}


def run_query(
    session: Session,
    sql: str,
    params: Mapping[str, Any] | None = None,
    *,
    row_cap: int = ROW_CAP,
    timeout_ms: int = TIMEOUT_MS,
    today: date | None = None,
) -> QueryResult:
    """Check and run one ad-hoc SELECT; any refusal or failure raises ToolError with a stable code."""
    params = dict(params or {})
    try:
        checked = check_sql(sql, allowed_views(), MAX_SQL_CHARS)
        if today is not None and "today" in checked.params:
            params.setdefault("today", today.isoformat())  # the business date, never the database clock
        missing, unused = checked.params - params.keys(), params.keys() - checked.params
        if missing or unused:
            names = ", ".join(sorted(missing | unused))
            raise SqlRefused("invalid_sql", f"Placeholders and params must match (check: {names}).")
        fetched = run_checked(_engine(session), checked, params, row_cap, timeout_ms)
    except SqlRefused as exc:
        log.info("query_views refused (%s): %r", exc.code, sql[:300])
        raise ToolError(exc.code, exc.message) from None
    rows = [[_cell(v) for v in row] for row in fetched.rows]
    return QueryResult(
        columns=fetched.columns,
        rows=rows,
        row_count=len(rows),
        truncated=fetched.truncated,
        views_used=list(checked.views),
    )


def _engine(session: Session) -> Engine:
    """The engine behind a session (the query gets a connection and transaction of its own)."""
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _cell(value: Any) -> Any:
    """A JSON-safe value: numbers and text stay, Decimal stays exact, dates and UUIDs become ISO text."""
    if (isinstance(value, float) and not math.isfinite(value)) or (
        isinstance(value, Decimal) and not value.is_finite()
    ):
        return str(value)  # NaN and infinities have no JSON number
    if value is None or isinstance(value, bool | int | float | str | Decimal):
        return value
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


@REGISTRY.register("query_views", QueryArgs, "DATA.QUERY")
def query_views(ctx: ToolContext, args: QueryArgs, caller: Caller) -> QueryResult:
    """Run one read-only SELECT over the reporting views (v_*) for a question no other tool answers."""
    log.info("query_views by %s: %r", caller.username, args.sql[:300])
    return run_query(ctx.session, args.sql, args.params, today=ctx.today)
