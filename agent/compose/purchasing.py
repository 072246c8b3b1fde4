"""Composers of the purchasing tools: po_status and vendor_scores."""

from __future__ import annotations

from agent.compose.base import Style, bullet_list, composer
from agent.compose.sales_common import count, days, status_word
from textkit.format import day, money, pct, qty
from tools.purchasing import PoStatus, VendorScore, VendorScores

TREND: dict[str, tuple[str, str]] = {
    "Up": ("harga naik", "prices rising"),
    "Down": ("harga turun", "prices falling"),
    "Stable": ("harga stabil", "prices stable"),
}


def _receipt(data: PoStatus, style: Style) -> str:
    """', received …' / ', not received, 2 days late (expected …)'."""
    lang = style.lang
    if data.received:
        when = f" {day(data.received_dt, lang)}" if data.received_dt else ""
        if data.status == "Received":  # the status already says so: just add the date
            return when
        return style.t(f", barang diterima{when}", f", goods received{when}")
    expected = day(data.expected_dt, lang) if data.expected_dt else None
    if data.late and expected:
        late = days(data.days_late, style)
        return style.t(
            f", belum diterima, terlambat {late} (diharapkan {expected})",
            f", not received, {late} late (expected {expected})",
        )
    if expected:
        return style.t(f", diharapkan tiba {expected}", f", expected {expected}")
    return ""


def _bill(data: PoStatus, style: Style) -> list[str]:
    bill, lang = data.bill, style.lang
    if bill is None:
        return []
    if bill.paid and bill.paid_dt:
        paid = style.t(f"lunas {day(bill.paid_dt, lang)}", f"paid {day(bill.paid_dt, lang)}")
    else:
        paid = style.t("belum dibayar", "unpaid")
    return [
        style.t(
            f"Tagihan {bill.bill_no}: {money(bill.amt, lang)}, jatuh tempo {day(bill.due_dt, lang)}, {paid}",
            f"Bill {bill.bill_no}: {money(bill.amt, lang)}, due {day(bill.due_dt, lang)}, {paid}",
        )
    ]


@composer("po_status")
def compose_po_status(data: PoStatus, style: Style) -> str:
    """Executive: vendor, value, approval and receipt; manager adds dates and lines."""
    lang, with_money = style.lang, style.tier != "operator"
    amount = f": {money(data.total_amt, lang)}" if with_money else ""
    status = status_word(data.status, style)
    out = [f"*{data.doc_no}* {data.vendor_name}{amount} — {status}{_receipt(data, style)}"]
    if style.tier == "executive":
        return "\n".join(out + _bill(data, style))
    approved = (
        style.t(f", disetujui {day(data.approved_dt, lang)}", f", approved {day(data.approved_dt, lang)}")
        if data.approved and data.approved_dt
        else ""
    )
    ordered = day(data.order_dt, lang)
    out.append(
        style.t(
            f"{data.vendor_code}, dipesan {ordered}{approved}",
            f"{data.vendor_code}, ordered {ordered}{approved}",
        )
    )
    rows = []
    for ln in data.lines:
        text = f"{ln.item_name} ({ln.item_code}): {qty(ln.qty, lang)} {ln.uom}"
        if with_money:
            text += f" × {money(ln.unit_price, lang)} = {money(ln.line_amt, lang)}"
        rows.append(text)
    out += [style.t("Barang:", "Lines:"), *bullet_list(rows, style)]
    return "\n".join(out + (_bill(data, style) if with_money else []))


def _vendor(v: VendorScore, style: Style, with_money: bool) -> str:
    lang = style.lang
    parts = [
        style.t(f"tepat waktu {pct(v.otd_score, lang)}", f"on time {pct(v.otd_score, lang)}"),
        style.t(f"kualitas {pct(v.quality_score, lang)}", f"quality {pct(v.quality_score, lang)}"),
    ]
    if v.price_trend:
        pair = TREND.get(v.price_trend)
        parts.append(style.t(*pair) if pair else v.price_trend)
    open_pos = count(v.open_po_count, "PO terbuka", "open PO", style)
    parts.append(f"{open_pos} ({money(v.open_po_amt, lang)})" if with_money and v.open_po_count else open_pos)
    return f"{v.name} ({v.code}): " + ", ".join(parts)


@composer("vendor_scores")
def compose_vendor_scores(data: VendorScores, style: Style) -> str:
    """Vendors best on-time first, each with its scores, price trend and open purchase orders."""
    with_money = style.tier != "operator"
    rows = [_vendor(v, style, with_money) for v in data.vendors]
    if len(rows) == 1:
        return f"*{rows[0]}*"
    n = count(len(rows), "vendor", "vendor", style)
    head = style.t(
        f"*Skor vendor ({n}), urut ketepatan waktu*", f"*Vendor scores ({n}), by on-time delivery*"
    )
    return "\n".join([head, *bullet_list(rows, style)])
