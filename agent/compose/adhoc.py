"""Answers from ad-hoc view queries: a small plain-text table, figures formatted by their column names."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from agent.compose.base import Style, composer
from textkit.format import day, money, pct, qty
from tools.adhoc import QueryResult

MAX_ROWS = 10
MAX_CELL = 40  # characters of a text cell shown on a phone
# Column names that announce rupiah or percentages (views' own names and usual aliases).
MONEY_HINTS = ("amt", "price", "cost", "revenue", "sales", "credit_lim", "total", "rupiah")
PCT_HINTS = ("pct", "percent", "rate", "score", "share")
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _number(value: int | float | Decimal, column: str, style: Style) -> str:
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    name = column.lower()
    if style.tier != "operator" and any(h in name for h in MONEY_HINTS):
        return money(exact.quantize(Decimal("0.01")), style.lang)
    if any(h in name for h in PCT_HINTS):
        return pct(exact, style.lang)
    return qty(exact.quantize(Decimal("0.001")), style.lang)


def cell_text(value: Any, column: str, style: Style) -> str:
    """One value for people: money, percentages, quantities and dates with the shared formatters."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return style.t("ya", "yes") if value else style.t("tidak", "no")
    if isinstance(value, int | float | Decimal):  # finite: tools.adhoc turns NaN and infinities into text
        return _number(value, column, style)
    text = str(value)
    if ISO_DAY.match(text):
        return day(date.fromisoformat(text), style.lang)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _headline(data: QueryResult, style: Style) -> str:
    n = data.row_count
    if data.truncated:
        return style.t(f"*Hasil kueri: lebih dari {n} baris*", f"*Query result: more than {n} rows*")
    return style.t(f"*Hasil kueri: {n} baris*", f"*Query result: {n} row{'s' if n != 1 else ''}*")


@composer("query_views")
def compose_query_views(data: QueryResult, style: Style) -> str:
    """An ad-hoc result: the row count first, then one row as name: value lines or a short table."""
    if not data.rows:
        return style.t("*Hasil kueri: tidak ada baris.*", "*Query result: no rows.*")
    lines = [_headline(data, style)]
    if data.row_count == 1:
        lines += [f"{c}: {cell_text(v, c, style)}" for c, v in zip(data.columns, data.rows[0], strict=False)]
        return "\n".join(lines)
    lines.append(" | ".join(data.columns))
    for row in data.rows[:MAX_ROWS]:
        lines.append(" | ".join(cell_text(v, c, style) for c, v in zip(data.columns, row, strict=False)))
    more = data.row_count - MAX_ROWS
    if more > 0:
        lines.append(style.t(f"… dan {more} lainnya", f"… and {more} more"))
    if data.truncated:
        lines.append(
            style.t("(hasil dipotong; persempit pertanyaannya)", "(result cut; narrow the question)")
        )
    return "\n".join(lines)
