"""A metric question's plan: the rich tool built for its shape, or a compiled catalog query (its
grouping, ranking, periods and filters as read)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from agent.entities import Entities
from agent.periods import current_like, just_today, this_month
from agent.router import Plan, build
from agent.understand.context import Context, first_period, metric_label
from agent.understand.parse import Meaning
from agent.understand.senses import PRODUCTION, STOCK, segments_named
from agent.understand.words import FUNCTION_WORDS
from semantic.catalog import CATALOG
from tools.common import Period
from tools.sales_base import previous_period

# The dimension a ranking is over when the question names none ("who owes us the most" -> customers).
DEFAULT_RANK_DIM = {
    "sales": "customer",
    "orders": "customer",
    "avg_order_value": "customer",
    "qty_sold": "item",
    "receivables": "customer",
    "overdue_receivables": "customer",
    "receivables_not_due": "customer",
    "payables_not_due": "vendor",
    "payables": "vendor",
    "overdue_payables": "vendor",
    "cash_in": "cash_category",
    "cash_out": "cash_category",
    "purchase_value": "vendor",
    "purchase_orders": "vendor",
    "otd_score": "vendor",
    "quality_score": "vendor",
    "maint_cost": "machine",
    "maint_count": "machine",
    "stock_on_hand": "item",
    "stock_reserved": "item",
    "stock_available": "item",
    **{m: "machine" for m in PRODUCTION},
}
_DUE = re.compile(r"\b(jatuh tempo|due|ke depan|next|minggu ini|this week|coming|harus dibayar|mendatang)\b")


def span(period: Period) -> dict[str, Any]:
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label}


def query_args(
    metrics: list[str],
    group_by: list[str],
    filters: dict[str, list[str]],
    period: Period | None,
    compare: Period | None,
    order: str | None,
    limit: int | None,
) -> dict[str, Any]:
    """Query JSON (what Reply.tools records and the compiler validates)."""
    query: dict[str, Any] = {"metrics": metrics, "group_by": group_by, "filters": filters}
    if period is not None:
        query["period"] = span(period)
    if compare is not None:
        query["compare"] = span(compare)
    if order is not None:
        query["order"] = order
    if limit is not None:
        query["limit"] = limit
    return query


def metric_plan(
    m: Meaning, ctx: Context, metrics: list[str], dims: list[str], ents: Entities, lowered: str
) -> Plan:
    """Metrics: the rich tool when the question has its shape, else a compiled catalog query."""
    notes: list[str] = []
    segments = segments_named(lowered)  # read once: side by side, filter, or both shown
    group = _group_by(m, dims, metrics)
    order, limit = _ranking(m, metrics)
    asked = [d for d in dims if not CATALOG.dimensions[d].time_grain and d not in m.entity_kinds()]
    if order is not None and not group and asked:
        # "which item has the highest reject rate": ranked over something the figure is not recorded by;
        # ranking machines instead would answer another question
        return _cannot_split(ctx, metrics, asked[:1], ranked=True)
    if order is not None and not group:
        dim = DEFAULT_RANK_DIM.get(metrics[0])
        if metrics[0] in ("sales", "orders") and {"what", "apa"} & set(m.norm.tokens) - {"siapa", "who"}:
            dim = "item"  # "what sold best": things sold; "who bought the most": customers
        if dim and all(dim in CATALOG.dims_of(x) for x in metrics):
            group = [dim]
            notes.append(
                ctx.t(
                    f"diurutkan per {CATALOG.dimensions[dim].words.id}",
                    f"ranked by {CATALOG.dimensions[dim].words.en}",
                )
            )
    if order is not None and limit is None and group:
        limit = 5
    versus = [k for k in sorted(m.entity_kinds()) if len(m.entity_codes(k)) >= 2]
    if len(segments) >= 2:
        versus.append("segment")  # "VIP dan Regular": the two segments side by side
    if versus and all(versus[0] in CATALOG.dims_of(x) for x in metrics):
        # "bandingkan PT ABC dan PT Maju Jaya", "Widget and Motor DC": the names side by side (and their
        # total) over one period, not two periods
        grains = [g for g in group if CATALOG.dimensions[g].time_grain]
        group = [versus[0], *grains][:2]  # "pelanggan VIP dan Regular": by segment, not also by customer
        m = replace(m, compare=False, compare_at=None) if len(m.periods) < 2 else m
    elif m.group_words and not group and (lost := _unsplittable(dims, metrics)):
        notes.append(
            ctx.t(
                f"tidak bisa dirinci per {lost} (dijawab totalnya)",
                f"cannot be split by {lost} (total given)",
            )
        )
    period, compare = _periods(m, ctx, metrics, notes)
    filters, unsupported = _filters(m, metrics, lowered, segments)
    if unsupported:
        return _cannot_split(ctx, metrics, unsupported)
    rich = _rich(m, metrics, group, order, compare, filters, lowered)
    if rich is not None:
        plan = build(rich, lowered, ctx.lang, ctx.today, ents, first_period(m))
        if rich == "sales_summary":  # what was read, not the tool's own regexes
            plan.args["group_by"] = group[0] if group else None
            plan.args["segment"] = filters["segment"][0] if "segment" in filters else None
        if rich == "top_customers" and limit is not None:
            plan.args["limit"] = limit
        if rich == "machine_performance" and not m.periods:  # the machine view's own default: today
            today = just_today(ctx.today, ctx.lang).label
            notes = [
                ctx.t(f"periode: {today}", f"period: {today}") if n.startswith(("periode:", "period:")) else n
                for n in notes
            ]
        plan.notes += [n for n in notes if n not in plan.notes]
        return plan
    if m.trend and not group and compare is None:
        group = ["month"]
    if group[:1] == ["segment"] and len(segments) >= 2:
        filters["segment"] = segments  # both named: both shown, a quiet one at zero
    query = query_args(metrics, group, filters, period, compare, order, limit)
    label = ", ".join(metric_label(x, ctx) for x in metrics)
    return Plan("query_metrics", query, ents, period, notes=notes, label=label)


def _unsplittable(dims: list[str], metrics: list[str]) -> str:
    """The label of a dimension asked to split by that the metrics do not have ('' when none)."""
    lost = [d for d in dims if not all(d in CATALOG.dims_of(x) for x in metrics)]
    return CATALOG.dimensions[lost[0]].words.id if lost else ""


def _group_by(m: Meaning, dims: list[str], metrics: list[str]) -> list[str]:
    """Dimensions asked as groups: after per/by/tiap, a time grain phrase, or the subject of a ranking."""
    supported = [d for d in dims if all(d in CATALOG.dims_of(x) for x in metrics)]
    grains = [d for d in supported if CATALOG.dimensions[d].time_grain]
    plain = [d for d in supported if not CATALOG.dimensions[d].time_grain]
    group: list[str] = []
    if m.group_words or m.order or m.compare:
        group += plain[:1]
    group += grains[:1]
    return group[:2]


def _ranking(m: Meaning, metrics: list[str]) -> tuple[str | None, int | None]:
    if m.order is None:
        return None, m.limit
    better = CATALOG.metrics[metrics[0]].better
    if m.order == "worst":
        return ("asc" if better == "higher" else "desc"), m.limit
    if m.order == "best":
        return ("desc" if better == "higher" else "asc"), m.limit
    return m.order, m.limit


def _periods(
    m: Meaning, ctx: Context, metrics: list[str], notes: list[str]
) -> tuple[Period | None, Period | None]:
    """The period and the one compared with; a balance has none (and says the period was not used)."""
    if all(CATALOG.metrics[x].time == "snapshot" for x in metrics):
        if m.periods:
            notes.append(
                ctx.t("saldo per hari ini (periode tidak dipakai)", "balance as of today (period not used)")
            )
        return None, None
    found = [p for _, p in m.periods]
    if len(found) >= 2:
        later, earlier = sorted(found[:2], key=lambda p: p.start, reverse=True)
        return later, earlier
    default = this_month(ctx.today, ctx.lang)
    if not found:
        if not m.compare:
            notes.append(ctx.t(f"periode: {default.label}", f"period: {default.label}"))
            return default, None
        start, end = previous_period(default.start, default.end)
        return default, Period(start=start, end=end, label=ctx.t("periode sebelumnya", "previous period"))
    ((at, only),) = m.periods
    # "dibanding bulan lalu", "compared to last month": the current period of that grain against the
    # named one (never "VIP vs reguler tahun ini", where the words between say what is compared)
    just_before = m.compare_at is not None and 0 < at - m.compare_at <= 3
    if m.compare and just_before and set(m.norm.tokens[(m.compare_at or 0) + 1 : at]) <= FUNCTION_WORDS:
        return current_like(only, ctx.today, ctx.lang), only
    if m.compare:
        start, end = previous_period(only.start, only.end)
        return only, Period(start=start, end=end, label=ctx.t("periode sebelumnya", "previous period"))
    return only, None


def _filters(
    m: Meaning, metrics: list[str], lowered: str, segments: list[str]
) -> tuple[dict[str, list[str]], list[str]]:
    """Named entities as filters; kinds a metric cannot be filtered by are returned as unsupported."""
    filters: dict[str, list[str]] = {}
    unsupported: list[str] = []
    for kind in sorted(m.entity_kinds()):
        if all(kind in CATALOG.dims_of(x) for x in metrics):
            filters[kind] = m.entity_codes(kind)
        else:
            unsupported.append(kind)
    if len(segments) == 1 and all("segment" in CATALOG.dims_of(x) for x in metrics):
        filters["segment"] = segments  # both named: every segment, side by side (see metric_plan)
    shift = re.search(r"\bshift\s*([123])\b", lowered)
    if shift and all("shift" in CATALOG.dims_of(x) for x in metrics):
        filters["shift"] = [shift.group(1)]
    return filters, unsupported


def _cannot_split(ctx: Context, metrics: list[str], kinds: list[str], ranked: bool = False) -> Plan:
    """A can't for a figure asked of (or ranked over) something it is not recorded by."""
    what = ", ".join(metric_label(x, ctx) for x in metrics)
    by = ", ".join(CATALOG.dimensions[k].words.label(ctx.lang) for k in kinds)
    asked = (
        ctx.t(f"{what} per {by}", f"{what} by {by}")
        if ranked
        else ctx.t(f"{what} untuk {by} tertentu", f"{what} for a particular {by}")
    )
    message = ctx.t(
        f"Saya paham Anda menanyakan {asked}, tetapi data {what} tidak dicatat per {by}.",
        f"I understood {asked}, but {what} is not recorded per {by}.",
    )
    return Plan("cant", {"message": message})


def _rich(
    m: Meaning,
    metrics: list[str],
    group: list[str],
    order: str | None,
    compare: Period | None,
    filters: dict[str, list[str]],
    lowered: str,
) -> str | None:
    """The rich tool built for exactly this shape of question, if any."""
    if compare is not None or m.trend or any(len(v) > 1 for v in filters.values()):
        return None
    names = set(metrics)
    plain = not group and order is None
    if names == {"sales"}:
        if order == "desc" and group == ["customer"] and set(filters) <= {"segment"}:
            return "top_customers"
        # by item: the compiled query, which a daily item rollup answers in milliseconds at scale (the
        # summary tool reads every order line of the period)
        if order is None and len(group) <= 1 and set(group) <= {"customer", "segment"}:
            return "sales_summary"
        return None
    if names <= {"receivables", "overdue_receivables"} and plain and set(filters) <= {"customer"}:
        return "receivables"
    if (
        names <= {"payables", "overdue_payables"}
        and plain
        and set(filters) <= {"vendor"}
        and (m.due or bool(m.periods) or bool(_DUE.search(lowered)))
    ):
        return "payables_due"
    if names == {"cash_balance"} and plain:
        return "cash_position"
    if (
        names <= PRODUCTION
        and order is None
        and set(group) <= {"machine", "shift"}
        and set(filters) <= {"machine"}
    ):
        return "machine_performance"
    if names <= STOCK and plain and set(filters) <= {"item", "warehouse"}:
        return "inventory_status"
    if names <= {"otd_score", "quality_score"} and plain and set(filters) <= {"vendor"}:
        return "vendor_scores"
    return None
