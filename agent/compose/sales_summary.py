"""Composers of sales_summary and top_customers: the total first, then comparison and breakdown."""

from __future__ import annotations

from agent.compose.base import Style, bullet_list, composer
from agent.compose.sales_common import capped, count, period_name, signed_pct, span
from textkit.format import money, pct
from tools.sales_base import share_pct
from tools.sales_summary import SalesSummary, TopCustomers


def _scope(data: SalesSummary, style: Style) -> str:
    """What the total covers beyond the period: a customer, an item, a segment."""
    parts = []
    if data.customer:
        parts.append(f"{data.customer_name or ''} ({data.customer})".strip())
    if data.item:
        parts.append(f"{data.item_name or ''} ({data.item})".strip())
    if data.segment:
        parts.append(style.t(f"segmen {data.segment}", f"{data.segment} segment"))
    return f" — {', '.join(parts)}" if parts else ""


def _comparison(data: SalesSummary, style: Style) -> str:
    lang, prev = style.lang, data.previous
    before = f"{span(prev.start, prev.end, style)}: {money(prev.total, lang)}"
    if data.growth_pct is None:
        return style.t(
            f"Tidak ada pembanding: periode sebelumnya kosong ({before})",
            f"No comparison: nothing booked in the previous period ({before})",
        )
    growth = signed_pct(data.growth_pct, style)
    return style.t(
        f"{growth} dibanding periode sebelumnya ({before})", f"{growth} vs the previous period ({before})"
    )


def _groups(data: SalesSummary, style: Style, with_money: bool) -> list[str]:
    if not data.group_by:
        return []
    lang, rows = style.lang, []
    for g in data.groups:
        label = g.name if g.code == g.name else f"{g.name} ({g.code})"
        orders = count(g.orders, "pesanan", "order", style)
        # each group's share of the total: "per segmen" is as often asked as "what part is VIP"
        share = f" ({pct(share_pct(g.amount, data.total), lang)})" if data.total > 0 else ""
        rows.append(
            f"{label}: {money(g.amount, lang)}{share} · {orders}" if with_money else f"{label}: {orders}"
        )
    heading = {
        "customer": style.t("Per pelanggan:", "By customer:"),
        "item": style.t("Per barang:", "By item:"),
        "segment": style.t("Per segmen:", "By segment:"),
    }[data.group_by]
    return [heading, *capped(rows, data.group_count, style)]


@composer("sales_summary")
def compose_sales_summary(data: SalesSummary, style: Style) -> str:
    """Total booked sales of the period, growth against the previous period, then the groups."""
    p = data.period
    name = period_name(p.label, p.start, p.end, style)
    orders = count(data.orders, "pesanan", "order", style)
    if style.tier == "operator":  # no money for operators: the order count only
        head = style.t(
            f"*Penjualan {name}*{_scope(data, style)}: {orders}",
            f"*Sales {name}*{_scope(data, style)}: {orders}",
        )
        return "\n".join([head, *_groups(data, style, False)])
    total = money(data.total, style.lang)
    head = style.t(f"*Penjualan {name}: {total}*", f"*Sales {name}: {total}*") + _scope(data, style)
    out = [head, _comparison(data, style)]
    if style.tier == "manager":
        out.append(
            style.t(
                f"{orders} disetujui/selesai ({span(p.start, p.end, style)})",
                f"{orders} approved/closed ({span(p.start, p.end, style)})",
            )
        )
    else:
        out.append(orders)
    return "\n".join(out + _groups(data, style, True))


@composer("top_customers")
def compose_top_customers(data: TopCustomers, style: Style) -> str:
    """The ranked customers with amount and share of the period's total."""
    lang, p = style.lang, data.period
    name = period_name(p.label, p.start, p.end, style)
    n = len(data.customers)
    head = style.t(f"*{n} pelanggan teratas {name}*", f"*Top {n} customers {name}*")
    if style.tier == "operator":
        rows = [f"{c.rank}. {c.name}: {count(c.orders, 'pesanan', 'order', style)}" for c in data.customers]
        return "\n".join([head, *bullet_list(rows, style)])
    total = money(data.total, lang)
    orders = count(data.orders, "pesanan", "order", style)
    out = [head, style.t(f"Total penjualan: {total} ({orders})", f"Total sales: {total} ({orders})")]
    rows = []
    for c in data.customers:
        share = style.t(f"{pct(c.share_pct, lang)} dari total", f"{pct(c.share_pct, lang)} of total")
        detail = f" ({c.code}, {c.segment})" if style.tier == "manager" else ""
        rows.append(
            f"{c.rank}. {c.name}{detail}: {money(c.amount, lang)} · {share} · "
            f"{count(c.orders, 'pesanan', 'order', style)}"
        )
    if not rows:
        out.append(style.t("Belum ada penjualan pada periode ini.", "No sales in this period."))
    return "\n".join(out + bullet_list(rows, style))
