"""Answers about money owed and cash: receivables, payables due and the cash projection.

Operators never reach these tools (no permission), but their tier still renders without any amount.
"""

from __future__ import annotations

from agent.compose.base import Style, bullet_list, composer
from textkit.format import day, money
from tools.finance_ap import Bill, PayablesResult
from tools.finance_ar import ReceivablesResult
from tools.finance_cash import CashDay, CashItem, CashResult

BUCKET_NAMES = {
    "current": ("belum jatuh tempo", "not yet due"),
    "1-30": ("1-30 hari", "1-30 days"),
    "31-60": ("31-60 hari", "31-60 days"),
    "61-90": ("61-90 hari", "61-90 days"),
    ">90": ("> 90 hari", "> 90 days"),
}
CATEGORIES = {
    "PAYROLL": ("Gaji", "Payroll"),
    "TAX": ("Pajak", "Tax"),
    "OPEX": ("Biaya operasional", "Operating costs"),
    "AP_PAYMENT": ("Bayar hutang", "Bill payment"),
    "AR_RECEIPT": ("Terima piutang", "Invoice receipt"),
}
FEW = 5  # invoices, bills or cash items an answer lists


def _listed(rows: list[str], total: int, style: Style) -> list[str]:
    """At most FEW bullets, then how many more exist (the tool may have listed fewer than `total`)."""
    shown = bullet_list(rows[:FEW], style, FEW)
    more = total - min(len(rows), FEW)
    if more > 0:
        shown.append(style.t(f"… dan {more} lainnya", f"… and {more} more"))
    return shown


def _n(count: int, id_word: str, en_word: str, style: Style) -> str:
    """A count with its noun: '3 faktur' / '3 invoices', '1 invoice'."""
    return f"{count} {style.t(id_word, en_word if count == 1 else en_word + 's')}"


def _ar_head(data: ReceivablesResult, style: Style) -> list[str]:
    """Overdue amount first (or that nothing is overdue), then the whole open book and over-30 figures."""
    lang, who = style.lang, _who(data)
    late = [c for c in data.customers if c.overdue > 0]
    count = _n(data.open_count, "faktur", "invoice", style)
    open_line = style.t(
        f"Total piutang belum dibayar{who}: {money(data.open_total, lang)} ({count})",
        f"Total open receivables{who}: {money(data.open_total, lang)} ({count})",
    )
    if not data.overdue_count:
        head = style.t(
            f"*Piutang lewat jatuh tempo{who}: {money(data.overdue_total, lang)}* — tidak ada yang terlambat",
            f"*Overdue receivables{who}: {money(data.overdue_total, lang)}* — nothing is overdue",
        )
        return [head, open_line]
    invoices, customers = (
        _n(data.overdue_count, "faktur", "invoice", style),
        _n(len(late), "pelanggan", "customer", style),
    )
    lines = [
        style.t(
            f"*Piutang lewat jatuh tempo{who}: {money(data.overdue_total, lang)}* ({invoices}, {customers})",
            f"*Overdue receivables{who}: {money(data.overdue_total, lang)}* ({invoices}, {customers})",
        ),
        open_line,
    ]
    if data.over_30_customers:
        over = _n(data.over_30_customers, "pelanggan", "customer", style)
        lines.append(
            style.t(
                f"Lewat > 30 hari: {over}, {money(data.over_30_total, lang)}",
                f"Over 30 days overdue: {over}, {money(data.over_30_total, lang)}",
            )
        )
    return lines


def _who(data: ReceivablesResult) -> str:
    if not data.customer:
        return ""
    name = next((c.name for c in data.customers if c.code == data.customer), data.customer)
    return f" ({name})"


def _ar_money(data: ReceivablesResult, style: Style) -> list[str]:
    """Executives and managers: the head lines, ageing, then customers (and invoices for managers)."""
    lang = style.lang
    lines = _ar_head(data, style)
    ages = [
        f"{style.t(*BUCKET_NAMES[name])} {money(b.amount, lang)}"
        for name, b in data.buckets.items()
        if b.count
    ]
    lines.append(f"{style.t('Umur', 'Ageing')}: " + " · ".join(ages))
    if style.tier == "executive":
        late = [c for c in data.customers if c.overdue > 0]
        rows = [
            f"{c.name}: {money(c.overdue, lang)} ({c.oldest_days_overdue} {style.t('hari', 'days')})"
            for c in late
        ]
        return lines + _listed(rows, len(rows), style)
    rows = [
        f"{c.name} ({c.code}): {style.t('terbuka', 'open')} {money(c.open, lang)}, "
        f"{style.t('lewat tempo', 'overdue')} {money(c.overdue, lang)}"
        + (
            f", {style.t('tertua', 'oldest')} {c.oldest_days_overdue} {style.t('hari', 'days')}"
            if c.oldest_days_overdue
            else ""
        )
        for c in data.customers
    ]
    invoices = [
        f"{i.inv_no} ({i.so_doc_no}) {i.customer_name}: {money(i.amt, lang)}, "
        f"{style.t('jatuh tempo', 'due')} {day(i.due_dt, lang)}"
        + (f", {i.days_overdue} {style.t('hari lewat', 'days overdue')}" if i.days_overdue else "")
        for i in data.invoices
    ]
    if not data.customer:
        lines += _listed(rows, data.customer_count, style)
    return [*lines, style.t("Faktur:", "Invoices:"), *_listed(invoices, data.invoice_count, style)]


@composer("receivables")
def compose_receivables(data: ReceivablesResult, style: Style) -> str:
    """Receivables: overdue amount up front, then totals, ageing, customers and (managers) invoices."""
    who = f" ({data.customer})" if data.customer else ""
    if not data.open_count:
        return style.t(f"Tidak ada piutang yang belum dibayar{who}.", f"No open receivables{who}.")
    if style.tier != "operator":
        return "\n".join(_ar_money(data, style))
    if not data.overdue_count:
        return style.t(f"Tidak ada faktur lewat jatuh tempo{who}.", f"No overdue invoices{who}.")
    late = [c for c in data.customers if c.overdue > 0]
    head = style.t(
        f"*{_n(data.overdue_count, 'faktur', '', style)} lewat jatuh tempo dari "
        f"{_n(len(late), 'pelanggan', '', style)}{who}*",
        f"*{_n(data.overdue_count, 'faktur', 'overdue invoice', style)} from "
        f"{_n(len(late), 'pelanggan', 'customer', style)}{who}*",
    )
    rows = [f"{c.name}: {c.oldest_days_overdue} {style.t('hari', 'days')}" for c in late]
    return "\n".join([head, *_listed(rows, len(rows), style)])


def _bill(b: Bill, style: Style) -> str:
    lang = style.lang
    when = day(b.due_dt, lang)
    if b.days_left < 0:
        left = style.t(f"lewat {-b.days_left} hari", f"{-b.days_left} days overdue")
    elif b.days_left == 0:
        left = style.t("hari ini", "today")
    else:
        left = style.t(f"{b.days_left} hari lagi", f"in {b.days_left} days")
    amount = "" if style.tier == "operator" else f"{money(b.amt, lang)} — "
    ref = "" if style.tier == "executive" else f" · {b.bill_no} ({b.po_doc_no})"
    return f"{b.vendor_name}: {amount}{when} ({left}){ref}"


@composer("payables_due")
def compose_payables_due(data: PayablesResult, style: Style) -> str:
    """Payables due in the horizon (total first), then any already overdue."""
    lang, op = style.lang, style.tier == "operator"
    span = style.t(
        f"{data.days} hari ke depan (s.d. {day(data.until, lang)})",
        f"the next {data.days} days (to {day(data.until, lang)})",
    )
    total = "" if op else f": {money(data.total, lang)}"
    lines = [
        style.t(
            f"*Hutang jatuh tempo {span}{total}* ({_n(data.count, 'tagihan', 'bill', style)})",
            f"*Payables due in {span}{total}* ({_n(data.count, 'tagihan', 'bill', style)})",
        )
    ]
    lines += _listed([_bill(b, style) for b in data.bills], data.count, style)
    if data.overdue_count:
        late = "" if op else f": {money(data.overdue_total, lang)}"
        lines.append(
            style.t(
                f"Sudah lewat jatuh tempo{late} ({_n(data.overdue_count, 'tagihan', 'bill', style)})",
                f"Already overdue{late} ({_n(data.overdue_count, 'tagihan', 'bill', style)})",
            )
        )
        lines += _listed([_bill(b, style) for b in data.overdue], data.overdue_count, style)
    return "\n".join(lines)


def _item(i: CashItem, style: Style) -> str:
    name = style.t(*CATEGORIES[i.category]) if i.category in CATEGORIES else i.category
    ref = f" ({i.ref})" if i.ref else ""
    return f"{name} {day(i.dt, style.lang)}: {money(i.amt, style.lang)}{ref}"


def _day_line(d: CashDay, style: Style) -> str:
    lang = style.lang
    flows = [
        *([f"{style.t('masuk', 'in')} {money(d.inflow, lang)}"] if d.inflow else []),
        *([f"{style.t('keluar', 'out')} {money(d.outflow, lang)}"] if d.outflow else []),
    ]
    return f"{day(d.dt, lang)}: {', '.join(flows)} → {style.t('saldo', 'balance')} {money(d.balance, lang)}"


@composer("cash_position")
def compose_cash_position(data: CashResult, style: Style) -> str:
    """Cash: today's balance and whether (and when) the projection goes negative, then the big items."""
    lang = style.lang
    neg = data.first_negative_dt
    verdict = (
        style.t(f"negatif mulai {day(neg, lang)}", f"negative from {day(neg, lang)}")
        if neg
        else style.t(f"tetap positif {data.days} hari ke depan", f"stays positive for {data.days} days")
    )
    if style.tier == "operator":
        return style.t(f"*Proyeksi kas: {verdict}*", f"*Cash projection: {verdict}*")
    lines = [
        style.t(
            f"*Saldo kas: {money(data.balance, lang)} — {verdict}*",
            f"*Cash balance: {money(data.balance, lang)} — {verdict}*",
        ),
        style.t(
            f"Terendah: {money(data.lowest_balance, lang)} pada {day(data.lowest_dt, lang)}",
            f"Lowest: {money(data.lowest_balance, lang)} on {day(data.lowest_dt, lang)}",
        ),
        style.t(
            f"{data.days} hari ke depan: masuk {money(data.total_inflow, lang)}, keluar "
            f"{money(data.total_outflow, lang)}, saldo akhir {money(data.end_balance, lang)}",
            f"Next {data.days} days: in {money(data.total_inflow, lang)}, out "
            f"{money(data.total_outflow, lang)}, closing {money(data.end_balance, lang)}",
        ),
    ]
    if data.big_items:
        lines.append(style.t("Pos terbesar:", "Largest items:"))
        lines += _listed([_item(i, style) for i in data.big_items], len(data.big_items), style)
    if style.tier == "manager":
        lines.append(style.t("Per hari:", "By day:"))
        lines += bullet_list([_day_line(d, style) for d in data.projection if d.inflow or d.outflow], style)
    return "\n".join(lines)
