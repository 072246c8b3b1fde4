"""Helpers shared by the pre-aggregation tests: what a caller reads of a result, and every rollup row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from semantic.compiler import QueryResult
from semantic.rollups import ROLLUPS


def answer(result: QueryResult) -> tuple[Any, ...]:
    """Everything a caller reads of a result, in order."""
    rows = [(r.key, r.labels, r.values, r.previous) for r in result.rows]
    return rows, result.total, result.previous_total


def rollup_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every rollup table, sorted."""
    names = [r.name for r in ROLLUPS]
    with engine.connect() as conn:
        return {
            n: sorted(tuple(str(v) for v in r) for r in conn.execute(text(f"SELECT * FROM {n}")))
            for n in names
        }
