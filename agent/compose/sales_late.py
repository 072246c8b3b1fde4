"""Composers of late_orders and pending_approvals: the count and value first, then each document."""

from __future__ import annotations

from agent.compose.base import Style, composer
from agent.compose.sales_common import DELIVERY, capped, count, days, lower_first, status_word, word
from textkit.format import day, money
from tools.sales_approvals import PendingApprovals, PendingSection
from tools.sales_late import LateDelivery, LateOrders, OrderDeadline


def _order(o: OrderDeadline, style: Style, with_money: bool) -> str:
    lang = style.lang
    parts = [f"{o.doc_no} {o.customer_name}" + (f": {money(o.total_amt, lang)}" if with_money else "")]
    deadline = day(o.deadline_dt, lang)
    if o.days_late:
        parts.append(
            style.t(
                f"tenggat {deadline}, terlambat {days(o.days_late, style)}",
                f"deadline {deadline}, {days(o.days_late, style)} late",
            )
        )
    else:
        left = days(o.days_left or 0, style)
        parts.append(style.t(f"tenggat {deadline} ({left} lagi)", f"deadline {deadline} ({left} left)"))
    if o.eta_dt:
        eta = day(o.eta_dt, lang)
        parts.append(
            style.t(f"estimasi tiba {eta}", f"ETA {eta}")
            + (style.t(" (lewat tenggat)", " (after the deadline)") if o.eta_after_deadline else "")
        )
    if o.delivery_doc_no:
        parts.append(f"{o.delivery_doc_no} {lower_first(word(DELIVERY, o.delivery_status or '', style))}")
    else:
        parts.append(style.t("belum dikirim", "not shipped"))
    return ", ".join(parts)


def _delivery(d: LateDelivery, style: Style, with_money: bool) -> str:
    lang = style.lang
    amount = f": {money(d.total_amt, lang)}" if with_money else ""
    arrived, deadline, late = day(d.actual_dt, lang), day(d.deadline_dt, lang), days(d.days_late, style)
    return f"{d.doc_no} {d.customer_name}{amount}, " + style.t(
        f"tiba {arrived} ({d.delivery_doc_no}), tenggat {deadline}, terlambat {late}",
        f"arrived {arrived} ({d.delivery_doc_no}), deadline {deadline}, {late} late",
    )


@composer("late_orders")
def compose_late_orders(data: LateOrders, style: Style) -> str:
    """Late and at-risk orders with their value, then deliveries that arrived late recently."""
    lang, with_money = style.lang, style.tier != "operator"
    late = count(data.late_count, "pesanan terlambat", "late order", style)
    risky = count(data.at_risk_count, "pesanan berisiko", "order at risk", style, "orders at risk")
    if with_money:
        late += f" ({money(data.late_amt, lang)})"
        risky += f" ({money(data.at_risk_amt, lang)})"
    out = [f"*{late}, {risky}*"]
    if data.late:
        out += [
            style.t("Terlambat:", "Late:"),
            *capped([_order(o, style, with_money) for o in data.late], data.late_count, style),
        ]
    if data.at_risk:
        horizon = days(data.horizon_days, style)
        out.append(
            style.t(
                f"Berisiko (tenggat ≤ {horizon} atau estimasi tiba lewat tenggat):",
                f"At risk (deadline within {horizon} or ETA after the deadline):",
            )
        )
        out += capped([_order(o, style, with_money) for o in data.at_risk], data.at_risk_count, style)
    n = data.late_delivery_count
    out.append(
        style.t(
            f"Pengiriman terlambat {data.lookback_days} hari terakhir: {n}",
            f"Late deliveries in the last {data.lookback_days} days: {n}",
        )
    )
    out += capped([_delivery(d, style, with_money) for d in data.late_deliveries], n, style)
    return "\n".join(out)


def _section(section: PendingSection, style: Style, with_money: bool) -> list[str]:
    lang = style.lang
    name = (
        style.t("Pesanan penjualan (SO)", "Sales orders (SO)")
        if section.kind == "SO"
        else style.t("Pesanan pembelian (PO)", "Purchase orders (PO)")
    )
    head = f"{name}: {section.count}" + (f" · {money(section.amount, lang)}" if with_money else "")
    rows = []
    for d in section.items:
        amount = f": {money(d.total_amt, lang)}" if with_money else ""
        waiting = lower_first(status_word(d.waiting_for, style))
        rows.append(f"{d.doc_no} {d.party_name}{amount} · {days(d.age_days, style)} · {waiting}")
    return [head, *capped(rows, section.count, style)]


@composer("pending_approvals")
def compose_pending_approvals(data: PendingApprovals, style: Style) -> str:
    """How many documents wait and for how much, then each section oldest first."""
    with_money = style.tier != "operator"
    docs = count(data.count, "dokumen menunggu persetujuan", "document", style) + style.t(
        "", " pending approval"
    )
    if data.count == 0:
        return style.t("*Tidak ada dokumen yang menunggu persetujuan.*", "*Nothing is waiting for approval.*")
    head = f"*{docs}" + (f": {money(data.amount, style.lang)}*" if with_money else "*")
    out = [head]
    for section in (data.so, data.po):
        if section is not None:
            out += _section(section, style, with_money)
    return "\n".join(out)
