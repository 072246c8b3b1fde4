"""Words and small phrases shared by the sales, purchasing and alert composers, in both languages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from agent.compose.base import MAX_LINES, Style
from textkit.format import day, pct, qty

# Document statuses as the warehouse writes them -> (Indonesian, English).
STATUS: dict[str, tuple[str, str]] = {
    "Draft": ("Draf", "Draft"),
    "Pending": ("Menunggu persetujuan", "Pending approval"),
    "Approved": ("Disetujui", "Approved"),
    "Closed": ("Selesai", "Closed"),
    "Cancel": ("Dibatalkan", "Cancelled"),
    "Received": ("Diterima", "Received"),
}
DELIVERY: dict[str, tuple[str, str]] = {
    "Pending": ("Menunggu pengiriman", "Awaiting shipment"),
    "Shipped": ("Dikirim", "Shipped"),
    "In Transit": ("Dalam perjalanan", "In transit"),
    "Delivered": ("Terkirim", "Delivered"),
}
DELIVERY_STATE: dict[str, tuple[str, str]] = {
    "not shipped": ("belum dikirim", "not shipped"),
    "in transit": ("dalam perjalanan", "in transit"),
    "delivered": ("terkirim", "delivered"),
}
SEVERITY: dict[str, tuple[str, str]] = {
    "Critical": ("kritis", "critical"),
    "High": ("tinggi", "high"),
    "Medium": ("sedang", "medium"),
    "Low": ("rendah", "low"),
}
ROLES: dict[str, tuple[str, str]] = {"Director": ("Direktur", "Director"), "Manager": ("Manajer", "Manager")}


def word(table: dict[str, tuple[str, str]], key: str, style: Style) -> str:
    """A status or category in the answer's language (unknown ones as stored)."""
    pair = table.get(key)
    return style.t(*pair) if pair else key


def status_word(status: str, style: Style) -> str:
    """A document status; "Pending <Role>" reads "waiting for <Role>'s approval"."""
    if status.startswith("Pending ") and status not in STATUS:
        who = status.removeprefix("Pending ")
        return style.t(f"Menunggu persetujuan {word(ROLES, who, style)}", f"Pending {who} approval")
    return word(STATUS, status, style)


def lower_first(text: str) -> str:
    """A phrase continuing a sentence: first letter lower-cased, names inside it kept."""
    return text[:1].lower() + text[1:]


def days(n: int, style: Style) -> str:
    """'3 hari' / '3 days' (1 day)."""
    return style.t(f"{n} hari", f"{n} day" if n == 1 else f"{n} days")


def count(n: int, id_noun: str, en_noun: str, style: Style, en_plural: str | None = None) -> str:
    """'2 pesanan' / '2 orders' (Indonesian nouns do not change; English plurals add an s by default)."""
    shown = qty(n, style.lang)  # "94.174 pesanan", "94,174 orders": grouped for people
    return style.t(
        f"{shown} {id_noun}", f"{shown} {en_noun}" if n == 1 else f"{shown} {en_plural or en_noun + 's'}"
    )


def span(start: date, end: date, style: Style) -> str:
    """A date range: '1 Desember 2024 – 27 Desember 2024' (one date when start == end)."""
    return day(start, style.lang) if start == end else f"{day(start, style.lang)} – {day(end, style.lang)}"


def period_name(label: str, start: date, end: date, style: Style) -> str:
    """The question's own words for the period when it had some, else its dates."""
    return label if label else span(start, end, style)


def signed_pct(value: Decimal | None, style: Style) -> str:
    """A growth figure with its sign: +12,5% / -20,1% (pct() already writes the minus)."""
    text = pct(value, style.lang)
    return f"+{text}" if value is not None and value > 0 else text


def capped(lines: list[str], total: int, style: Style, limit: int = MAX_LINES) -> list[str]:
    """Bullets for the first `limit` lines, then how many of `total` are left out."""
    shown = [f"• {line}" for line in lines[:limit]]
    if total > len(shown):
        rest = total - len(shown)
        shown.append(style.t(f"… dan {rest} lainnya", f"… and {rest} more"))
    return shown
