"""SQL the two databases spell differently, as SQLAlchemy constructs compiled per dialect."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class days_after(FunctionElement[Any]):
    """A date plus a whole number of days (`days_after(last_service, interval_days)`), NULL when either is."""

    type = Date()
    name = "days_after"
    inherit_cache = True


@compiles(days_after, "postgresql")
def _days_after_pg(element: days_after, compiler: Any, **kw: Any) -> str:
    day, days = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(({day}) + ({days}) * INTERVAL '1 day' AS DATE)"


@compiles(days_after)
def _days_after_sqlite(element: days_after, compiler: Any, **kw: Any) -> str:
    day, days = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({day}, '+' || ({days}) || ' days')"
