"""Answers of catalog queries, attribute lookups and clarifications, composed from the catalog's labels."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from agent.compose.base import MAX_LINES, Style
from semantic.catalog import CATALOG
from semantic.compiler import QueryResult, change_pct
from semantic.lookup import LookupResult
from textkit.format import day, money, pct, qty

NameOf = Callable[[str, str], str]  # (entity kind, code) -> display name


def value_text(value: Any, unit: str, style: Style) -> str:
    """A value in its unit, formatted for people."""
    lang = style.lang
    if value is None:
        return style.t("belum tercatat", "not recorded")
    if unit == "money":
        return money(Decimal(value), lang)
    if unit == "pct":
        return pct(Decimal(value), lang)
    if unit in ("qty", "int"):
        return qty(Decimal(value), lang)
    if unit == "min":
        return f"{qty(Decimal(value), lang)} {style.t('menit', 'min')}"
    if unit == "days":
        return f"{qty(Decimal(value), lang)} {style.t('hari', 'days')}"
    if unit == "date":
        return day(value if isinstance(value, date) else date.fromisoformat(str(value)), lang)
    return str(value)


def _label(metric: str, style: Style) -> str:
    return CATALOG.metrics[metric].words.label(style.lang)


def _change(now: Decimal | None, before: Decimal | None, style: Style) -> str:
    change = change_pct(now, before)
    if change is None:
        return ""
    return f" ({'+' if change > 0 else ''}{pct(change, style.lang)})"


def compose_query(result: QueryResult, style: Style, name_of: NameOf) -> str:
    """A query's answer: the asked figures, per group when grouped, against the compared period."""
    q = result.query
    scope = _scope(q.filters, style, name_of)
    when = (
        _period_text(q.period.label, q.period.start, q.period.end, result.as_of, style)
        if q.period is not None
        else style.t(f"per {day(result.as_of, 'id')}", f"as of {day(result.as_of, 'en')}")
    )
    title = ", ".join(_label(m, style) for m in q.metrics)
    lines = [f"*{title[0].upper()}{title[1:]}*{scope} — {when}"]
    if q.compare is not None:
        c = q.compare
        lines[0] += f" vs {_period_text(c.label, c.start, c.end, result.as_of, style)}"
    if not q.group_by:
        lines += [
            _figure(m, result.total, result.previous_total, q.compare is not None, style) for m in q.metrics
        ]
        return "\n".join(lines)
    if not result.rows:
        lines.append(style.t("Tidak ada data untuk periode ini.", "No data for this period."))
        return "\n".join(lines)
    rank = q.order is not None
    shown = result.rows[: q.limit or MAX_LINES]
    for i, row in enumerate(shown, start=1):
        who = " / ".join(row.labels)
        figures = "; ".join(
            f"{_label(m, style) + ' ' if len(q.metrics) > 1 else ''}{_number(m, row.values.get(m), style)}"
            + (
                f" vs {_number(m, row.previous.get(m), style)}"
                + _change(row.values.get(m), row.previous.get(m), style)
                if q.compare is not None
                else ""
            )
            for m in q.metrics
        )
        lines.append(f"{f'{i}.' if rank else '•'} {who}: {figures}")
    if len(result.rows) > len(shown) and not q.limit:
        more = len(result.rows) - len(shown)
        lines.append(style.t(f"… dan {more} lainnya", f"… and {more} more"))
    totals = "; ".join(f"{_label(m, style)} {_number(m, result.total.get(m), style)}" for m in q.metrics)
    lines.append(style.t(f"Total: {totals}", f"Total: {totals}"))
    return "\n".join(lines)


def _period_text(label: str, start: date, end: date, as_of: date, style: Style) -> str:
    """A period as asked, saying when a named month or year is only partly over ('Desember 2024, s.d. 27
    Desember 2024'): a comparison with a whole month must not look like one whole month against another."""
    text = label or f"{start.isoformat()} – {end.isoformat()}"
    relative = any(w in label.lower() for w in ("ini", "this", "today", "hari", "terakhir", "last", "lalu"))
    if end >= as_of >= start and not relative:
        text += style.t(f", s.d. {day(as_of, 'id')}", f", to {day(as_of, 'en')}")
    return text


def _figure(metric: str, now: dict[str, Any], before: dict[str, Any], compare: bool, style: Style) -> str:
    label = _label(metric, style)
    text = f"• {label[0].upper()}{label[1:]}: {_number(metric, now.get(metric), style)}"
    if compare:
        text += f" vs {_number(metric, before.get(metric), style)}"
        text += _change(now.get(metric), before.get(metric), style)
    return text


def _number(metric: str, value: Any, style: Style) -> str:
    if value is None:
        return "-"
    return value_text(value, CATALOG.metrics[metric].unit, style)


def _scope(filters: dict[str, list[str]], style: Style, name_of: NameOf) -> str:
    parts = []
    for dim, values in filters.items():
        if CATALOG.dimensions[dim].entity:
            parts.append(", ".join(name_of(dim, v) or v for v in values))
        else:
            parts.append(f"{CATALOG.dimensions[dim].words.label(style.lang)} {', '.join(values)}")
    return f" ({'; '.join(parts)})" if parts else ""


def compose_lookup(result: LookupResult, style: Style) -> str:
    """Attributes of named entities: one line per attribute (a block per entity when several)."""
    lines: list[str] = []
    many = len(result.found) > 1
    for found in result.found:
        if many:
            lines.append(f"*{found.name}* ({found.code})")
        for name, value in found.values.items():
            attr = CATALOG.attributes[name]
            label = attr.words.label(style.lang)
            subject = "" if many else style.t(f" {found.name}", f" of {found.name}")
            text = value_text(value, attr.unit, style)
            lines.append(f"{'• ' if many else ''}{label[0].upper()}{label[1:]}{subject}: {text}")
    if result.missing:
        lines.append(
            style.t(
                f"Tidak ditemukan: {', '.join(result.missing)}", f"Not found: {', '.join(result.missing)}"
            )
        )
    return "\n".join(lines)


def compose_clarify(question: str, options: list[str], style: Style) -> str:
    """One short question with numbered options; a reply of the number continues."""
    lines = [question, *[f"{i}. {label}" for i, label in enumerate(options, start=1)]]
    lines.append(style.t("Balas dengan nomornya (mis. 1).", "Reply with the number (e.g. 1)."))
    return "\n".join(lines)


def understood_line(notes: list[str], style: Style) -> str:
    """The one line saying what was inferred ('' when nothing was)."""
    if not notes:
        return ""
    return style.t("_Dipahami: ", "_Understood: ") + "; ".join(dict.fromkeys(notes)) + "_"
