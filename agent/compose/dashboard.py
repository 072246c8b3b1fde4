"""Composer of dashboard_summary: revenue and its growth first, then cash, receivables, payables, work.

Money figures the caller may not see arrive as None (tools/dashboard.py) and are left out of the text.
"""

from __future__ import annotations

from agent.compose.base import Style, composer
from agent.compose.sales_common import signed_pct
from textkit.format import day, money, pct, qty
from tools.dashboard import DashboardSummary


def _revenue(data: DashboardSummary, style: Style) -> str | None:
    if data.revenue_mtd is None:
        return None
    lang = style.lang
    mtd = money(data.revenue_mtd, lang)
    last = money(data.revenue_last_month, lang) if data.revenue_last_month is not None else "-"
    if data.revenue_growth_pct is None:
        versus = style.t(f"bulan lalu {last}, tidak ada pembanding", f"last month {last}, no comparison")
    else:
        growth = signed_pct(data.revenue_growth_pct, style)
        versus = style.t(f"{growth} dibanding bulan lalu {last}", f"{growth} vs last month {last}")
    return style.t(f"*Penjualan bulan ini: {mtd}* ({versus})", f"*Sales this month: {mtd}* ({versus})")


def _money_lines(data: DashboardSummary, style: Style) -> list[str]:
    """Cash, overdue receivables and payables due, each only when the caller may see it."""
    lang, lines = style.lang, []
    if data.cash_balance is not None:
        cash = money(data.cash_balance, lang)
        lines.append(style.t(f"Kas: {cash}", f"Cash: {cash}"))
    if data.ar_overdue is not None:
        ar = money(data.ar_overdue, lang)
        lines.append(style.t(f"Piutang lewat jatuh tempo: {ar}", f"Receivables overdue: {ar}"))
    if data.ap_due_7_days is not None:
        ap = money(data.ap_due_7_days, lang)
        lines.append(style.t(f"Utang jatuh tempo 7 hari: {ap}", f"Payables due in 7 days: {ap}"))
    return lines


def _work(data: DashboardSummary, style: Style) -> list[str]:
    """The figures without money: approvals, open orders, alerts and OEE."""
    oee = pct(data.production_oee, style.lang)
    n = {
        k: qty(getattr(data, k), style.lang) for k in ("pending_approvals", "pending_orders", "active_alerts")
    }
    crit, warn = qty(data.alerts_critical, style.lang), qty(data.alerts_warning, style.lang)
    return [
        style.t(
            f"Menunggu persetujuan: {n['pending_approvals']}", f"Pending approvals: {n['pending_approvals']}"
        ),
        style.t(
            f"Pesanan belum terkirim: {n['pending_orders']}",
            f"Orders not yet delivered: {n['pending_orders']}",
        ),
        style.t(
            f"Peringatan aktif: {n['active_alerts']} ({crit} kritis/tinggi, {warn} sedang/rendah)",
            f"Active alerts: {n['active_alerts']} ({crit} critical/high, {warn} medium/low)",
        ),
        style.t(f"OEE bulan ini: {oee}", f"OEE this month: {oee}"),
    ]


@composer("dashboard_summary")
def compose_dashboard_summary(data: DashboardSummary, style: Style) -> str:
    """Executive: revenue and growth first, then money, then work; manager: bullets; operator: no money."""
    lang = style.lang
    as_of = style.t(f"Ringkasan per {day(data.as_of, lang)}", f"Summary as of {day(data.as_of, lang)}")
    revenue = _revenue(data, style)
    if style.tier == "operator":
        return "\n".join([f"*{as_of}*", *(f"• {line}" for line in _work(data, style))])
    if style.tier == "executive":
        head = [revenue] if revenue else [f"*{as_of}*"]
        return "\n".join([*head, *_money_lines(data, style), *_work(data, style)])
    head = [f"*{as_of}*", *([revenue.replace("*", "")] if revenue else [])]
    return "\n".join(head + [f"• {x}" for x in _money_lines(data, style) + _work(data, style)])
