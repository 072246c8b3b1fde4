"""Composers of the sales tools; so_status is here, the others in agent/compose/sales_<part>.py."""

from __future__ import annotations

from agent.compose import sales_late, sales_summary  # noqa: F401  (they register their composers)
from agent.compose.base import Style, bullet_list, composer
from agent.compose.sales_common import DELIVERY, DELIVERY_STATE, days, status_word, word
from textkit.format import day, money, pct, qty
from tools.sales_status import IN_TRANSIT, SoStatus


def _timing(data: SoStatus, style: Style) -> str:
    """', ETA …' or ', delivered …', then the deadline verdict in brackets."""
    lang = style.lang
    text = ""
    if data.delivery_status == "delivered" and data.delivered_dt:
        text = style.t(f", tiba {day(data.delivered_dt, lang)}", f" on {day(data.delivered_dt, lang)}")
    elif data.eta_dt:
        text = style.t(f", estimasi tiba {day(data.eta_dt, lang)}", f", ETA {day(data.eta_dt, lang)}")
    if not data.deadline_dt:
        return text
    deadline = day(data.deadline_dt, lang)
    if data.late:
        late = days(data.days_late, style)
        return text + style.t(
            f" (terlambat {late}: tenggat {deadline})", f" ({late} late: deadline {deadline})"
        )
    if data.at_risk:
        left = days(data.days_left or 0, style)
        return text + style.t(
            f" (berisiko: tenggat {deadline}, {left} lagi)", f" (at risk: deadline {deadline}, {left} left)"
        )
    return text + style.t(f" (tenggat {deadline})", f" (deadline {deadline})")


def _headline(data: SoStatus, style: Style, with_money: bool) -> str:
    state = word(DELIVERY_STATE, data.delivery_status, style)
    amount = f": {money(data.total_amt, style.lang)}" if with_money else ""
    status = status_word(data.status, style)
    # who is driving it, while it is on the road ("siapa sopirnya?" is the executive's next question)
    driving = [d.driver for d in data.deliveries if d.driver and d.status in IN_TRANSIT]
    if driving:
        state += style.t(f" (sopir {', '.join(driving)})", f" (driver {', '.join(driving)})")
    return f"*{data.doc_no}* {data.customer_name}{amount} — {status}, {state}{_timing(data, style)}"


def _invoice(data: SoStatus, style: Style) -> list[str]:
    inv = data.invoice
    if inv is None:
        return []
    lang = style.lang
    if inv.paid and inv.paid_dt:
        paid = style.t(f"lunas {day(inv.paid_dt, lang)}", f"paid {day(inv.paid_dt, lang)}")
    else:
        paid = style.t("belum dibayar", "unpaid")
    return [
        style.t(
            f"Faktur {inv.inv_no}: {money(inv.amt, lang)}, jatuh tempo {day(inv.due_dt, lang)}, {paid}",
            f"Invoice {inv.inv_no}: {money(inv.amt, lang)}, due {day(inv.due_dt, lang)}, {paid}",
        )
    ]


def _line_items(data: SoStatus, style: Style, with_money: bool) -> list[str]:
    lang, rows = style.lang, []
    for ln in data.lines:
        text = f"{ln.item_name} ({ln.item_code}): {qty(ln.qty, lang)} {ln.uom}"
        if with_money:
            text += f" × {money(ln.unit_price, lang)}"
            if ln.disc_pct:
                text += style.t(f" diskon {pct(ln.disc_pct, lang)}", f" less {pct(ln.disc_pct, lang)}")
            text += f" = {money(ln.line_amt, lang)}"
        rows.append(text)
    return bullet_list(rows, style)


def _deliveries(data: SoStatus, style: Style) -> list[str]:
    lang, rows = style.lang, []
    for d in data.deliveries:
        parts = [f"{d.doc_no}: {word(DELIVERY, d.status, style)}"]
        if d.ship_dt:
            parts.append(style.t(f"kirim {day(d.ship_dt, lang)}", f"shipped {day(d.ship_dt, lang)}"))
        if d.actual_dt:
            parts.append(style.t(f"tiba {day(d.actual_dt, lang)}", f"arrived {day(d.actual_dt, lang)}"))
        elif d.eta_dt:
            parts.append(style.t(f"estimasi tiba {day(d.eta_dt, lang)}", f"ETA {day(d.eta_dt, lang)}"))
        if d.driver:
            parts.append(style.t(f"sopir {d.driver}", f"driver {d.driver}"))
        rows.append(", ".join(parts))
    return bullet_list(rows, style)


@composer("so_status")
def compose_so_status(data: SoStatus, style: Style) -> str:
    """Executive: the order's value, status and delivery verdict; manager adds lines and deliveries."""
    with_money = style.tier != "operator"
    out = [_headline(data, style, with_money)]
    if style.tier == "executive":
        return "\n".join(out + (_invoice(data, style)))
    lang = style.lang
    approved = (
        style.t(f", disetujui {day(data.approved_dt, lang)}", f", approved {day(data.approved_dt, lang)}")
        if data.approved and data.approved_dt
        else ""
    )
    out.append(
        style.t(
            f"{data.customer_code} ({data.segment}), pesanan {day(data.order_dt, lang)}{approved}",
            f"{data.customer_code} ({data.segment}), ordered {day(data.order_dt, lang)}{approved}",
        )
    )
    if data.days_left is not None and data.days_left >= 0:
        out.append(
            style.t(f"Sisa waktu: {days(data.days_left, style)}", f"Time left: {days(data.days_left, style)}")
        )
    out += [style.t("Barang:", "Lines:"), *_line_items(data, style, with_money)]
    if data.deliveries:
        out += [style.t("Pengiriman:", "Deliveries:"), *_deliveries(data, style)]
    return "\n".join(out + (_invoice(data, style) if with_money else []))
