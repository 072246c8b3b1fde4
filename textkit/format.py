"""Numbers for people: rupiah, quantities, percentages and dates in Indonesian or English."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

MONTHS = {
    "id": [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}


def _grouped(value: Decimal, decimals: int, lang: str) -> str:
    q = Decimal(1).scaleb(-decimals) if decimals else Decimal(1)
    text = f"{abs(value.quantize(q, rounding=ROUND_HALF_UP)):,.{decimals}f}"
    if lang == "id":  # Indonesian swaps the separators: 1.250.000,50
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return ("-" if value < 0 else "") + text


def money(value: Decimal | int, lang: str) -> str:
    """Rupiah: `Rp 1.250.000.000` (id) or `IDR 1,250,000,000` (en); cents only when there are any."""
    value = Decimal(value)
    decimals = 0 if value == value.to_integral_value() else 2
    text = _grouped(value, decimals, lang)
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    return f"{sign}{'Rp' if lang == 'id' else 'IDR'} {digits}"


def qty(value: Decimal | int, lang: str) -> str:
    """A quantity with thousands separators, decimals only when needed: 2.500 (id) / 2,500 (en)."""
    value = Decimal(value)
    decimals = 0 if value == value.to_integral_value() else min(3, -value.normalize().as_tuple().exponent)  # type: ignore[operator]
    return _grouped(value, decimals, lang)


def pct(value: Decimal | float | None, lang: str) -> str:
    """A percentage with one decimal: 8,5% (id) / 8.5% (en); '-' when unknown."""
    if value is None:
        return "-"
    return f"{_grouped(Decimal(str(value)), 1, lang)}%"


def day(value: date, lang: str) -> str:
    """A date for people: 27 Desember 2024 / 27 December 2024."""
    return f"{value.day} {MONTHS[lang][value.month - 1]} {value.year}"
