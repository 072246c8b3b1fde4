"""Facts of the golden set: placeholders resolved from the business date and the warehouse, fact SQL run
at evaluation time, and each value formatted exactly as the agent's answers format it.

Nothing here is a copied constant: dates derive from `today`, document numbers of the sample orders are
looked up by what they are (the Approved order dated today, the Pending one...), figures come from SQL.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from textkit.format import MONTHS, day, money, pct, qty
from warehouse.periods import month_end, month_start
from warehouse.schema import TDo, TPo, TSo, TWo

FactKind = Literal["money", "qty", "pct", "int", "text", "date"]
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
SQL_PARAM = re.compile(r"(?<![:\w]):([a-z][a-z0-9_]*)")


def shift_months(d: date, months: int) -> date:
    """`d` moved back `months` calendar months, the day clamped to the target month's length."""
    first = month_start(d, months)
    return min(first.replace(day=min(d.day, 28)) + timedelta(days=max(d.day - 28, 0)), month_end(first))


def date_vars(today: date) -> dict[str, date]:
    """Every date placeholder the golden set may use, as of the business date `today`."""
    week_start = today - timedelta(days=today.weekday())  # Monday
    last_year = today.year - 1
    return {
        "today": today,
        "yesterday": today - timedelta(days=1),
        "tomorrow": today + timedelta(days=1),
        "week_start": week_start,
        "last_week_start": week_start - timedelta(days=7),
        "last_week_end": week_start - timedelta(days=1),
        "month_start": month_start(today),
        "last_month_start": month_start(today, 1),
        "last_month_end": month_end(today, 1),
        "month2_start": month_start(today, 2),  # two months back: still the sample history
        "month2_end": month_end(today, 2),
        "year_start": date(today.year, 1, 1),
        "last_year_start": date(last_year, 1, 1),
        "last_year_end": date(last_year, 12, 31),
        "days7_start": today - timedelta(days=6),  # "last 7 days" includes today
        "days30_start": today - timedelta(days=29),
        "back30": today - timedelta(days=30),  # receivables and late deliveries look 30 days back
        "in2": today + timedelta(days=2),
        "in5": today + timedelta(days=5),
        "in7": today + timedelta(days=7),
        "in14": today + timedelta(days=14),
        "in30": today + timedelta(days=30),
        # The period before "this month" for growth: the same span one calendar month back.
        "prev_month_today": shift_months(today, 1),
    }


def name_vars(today: date) -> dict[str, str]:
    """Month names for question text ("sales {last_month_en3} vs {this_month_en3}"), as of `today`.

    `this_month_id` is "Desember", `last_month_en` "November", `month2_id` two months back; the `...3`
    forms are the lower-case three-letter abbreviations people type ("des", "nov"); `year` is this year.
    """
    names: dict[str, str] = {"year": str(today.year)}
    for key, back in (("this_month", 0), ("last_month", 1), ("month2", 2)):
        month = month_start(today, back).month
        for lang in ("id", "en"):
            name = MONTHS[lang][month - 1]
            names[f"{key}_{lang}"] = name
            names[f"{key}_{lang}3"] = name[:3].lower()
    return names


def doc_vars(session: Session, today: date) -> dict[str, str]:
    """Document numbers (and a uuid) of the sample documents, found by what they are, not by number."""
    d = lambda n: today + timedelta(days=n)  # noqa: E731
    so4 = (TSo.order_dt == d(0), TSo.status == "Approved", TSo.deleted_at.is_(None))
    queries: dict[str, Any] = {
        "so1": select(TSo.doc_no).where(TSo.order_dt == d(-7), TSo.status == "Approved"),
        "so2": select(TSo.doc_no).where(TSo.order_dt == d(-5), TSo.status == "Pending"),
        "so3": select(TSo.doc_no).where(TSo.order_dt == d(-2), TSo.status == "Draft"),
        "so4": select(TSo.doc_no).where(*so4),
        "so4_uuid": select(TSo.uuid).where(*so4),
        "do4": select(TDo.doc_no).join(TSo, TSo.id == TDo.so_id).where(*so4),
        "po1": select(TPo.doc_no).where(TPo.order_dt == d(-9), TPo.status == "Approved"),
        "po2": select(TPo.doc_no).where(TPo.order_dt == d(-7), TPo.status == "Pending Director"),
        "po3": select(TPo.doc_no).where(TPo.order_dt == d(-2), TPo.status == "Draft"),
        "wo1": select(TWo.doc_no).where(TWo.start_dt == d(-12)),
        "wo2": select(TWo.doc_no).where(TWo.start_dt == d(-6)),
        "wo3": select(TWo.doc_no).where(TWo.start_dt == d(1)),
    }
    found: dict[str, str] = {}
    for name, query in queries.items():
        table = query.get_final_froms()[0]
        if hasattr(table, "c") and "deleted_at" in table.c:
            query = query.where(table.c.deleted_at.is_(None))
        rows = session.execute(query).scalars().all()
        if len(rows) != 1:
            raise LookupError(f"sample document {name} not found exactly once (found {len(rows)})")
        found[name] = str(rows[0])
    return found


def resolve_vars(session: Session, today: date) -> dict[str, Any]:
    """All placeholders: dates (as date objects), month names and sample document numbers."""
    return {**date_vars(today), **name_vars(today), **doc_vars(session, today)}


def render(value: Any, variables: dict[str, Any]) -> Any:
    """Fill `{name}` placeholders in a string, list or dict (dates become ISO strings)."""
    if isinstance(value, str):  # an unknown placeholder raises KeyError
        return PLACEHOLDER.sub(lambda m: _as_text(variables[m.group(1)]), value)
    if isinstance(value, list):
        return [render(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: render(v, variables) for k, v in value.items()}
    return value


def _as_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def placeholders(value: Any) -> set[str]:
    """Placeholder names used anywhere in a string, list or dict."""
    if isinstance(value, str):
        return set(PLACEHOLDER.findall(value))
    if isinstance(value, list):
        return set().union(*(placeholders(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(placeholders(v) for v in value.values())) if value else set()
    return set()


def fact_sql(sql: str | dict[str, str], dialect: str) -> str:
    """The SQL text of a fact for a dialect ('sqlite' or 'postgresql'); most facts have one for both."""
    return sql if isinstance(sql, str) else sql[dialect]


def sql_params(sql: str) -> set[str]:
    """Bound parameter names (`:name`) a fact's SQL uses (PostgreSQL `::casts` are not parameters)."""
    return set(SQL_PARAM.findall(sql))


def run_fact(session: Session, sql: str | dict[str, str], variables: dict[str, Any]) -> Any:
    """Run a fact's SQL with its placeholders bound; it must return exactly one row of one column."""
    statement = fact_sql(sql, session.get_bind().dialect.name)
    params = {name: variables[name] for name in sql_params(statement)}
    rows = session.execute(text(statement), params).all()
    if len(rows) != 1 or len(rows[0]) != 1:
        raise ValueError(f"fact SQL returned {len(rows)} rows, not one value: {statement}")
    return rows[0][0]


def format_fact(value: Any, kind: FactKind, lang: str) -> str | None:
    """A fact's value as the agent must show it (the textkit.format helper of its kind, in `lang`).

    None when the SQL found nothing (NULL): there is no figure to check, e.g. the reject rate of a period
    without shift logs. Facts whose zero is a figure to show say so with COALESCE in their SQL.
    """
    if value is None:
        return None
    if kind == "money":
        return money(_decimal(value, "0.01"), lang)
    if kind == "qty":
        return qty(_decimal(value, "0.001"), lang)
    if kind == "pct":
        return pct(_decimal(value, "0.1"), lang)
    if kind == "int":
        return str(int(value))
    if kind == "date":
        return day(value if isinstance(value, date) else date.fromisoformat(str(value)[:10]), lang)
    return str(value)


def _decimal(value: Any, places: str) -> Decimal:
    """SQLite returns REAL for NUMERIC: trim float noise (to 6 places) before the half-up rounding."""
    raw = Decimal(str(value)).quantize(Decimal("0.000001"), ROUND_HALF_UP)
    return raw.quantize(Decimal(places), ROUND_HALF_UP)


def appears(needle: str, answer: str, kind: FactKind) -> bool:
    """Whether a formatted fact is in the answer as a whole figure: Rp 32.500.000 is not in Rp 132.500.000."""
    if kind == "text":
        return needle.casefold() in answer.casefold()
    pattern = rf"(?<![\d.,]){re.escape(needle)}(?![\d]|[.,]\d)"
    return re.search(pattern, answer) is not None
