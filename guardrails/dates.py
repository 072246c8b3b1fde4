"""Dates as people write them (27 Desember 2024, December 27, 2024, 27/12/2024, 2024-12-27)."""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    "januari": 1, "january": 1, "jan": 1, "februari": 2, "february": 2, "feb": 2, "pebruari": 2,
    "maret": 3, "march": 3, "mar": 3, "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6, "june": 6,
    "jun": 6, "juli": 7, "july": 7, "jul": 7, "agustus": 8, "august": 8, "agu": 8, "agt": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11, "nopember": 11, "desember": 12, "december": 12, "des": 12, "dec": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.+Z-]*)?")
DMY = re.compile(rf"\b(\d{{1,2}})(?:\s*[-–]\s*\d{{1,2}})?\s+({_MONTH})\.?(?:\s+(\d{{4}}))?\b", re.IGNORECASE)
MDY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?(?:\s+(\d{{4}}))?\b", re.IGNORECASE)
MY = re.compile(rf"\b({_MONTH})\s+(\d{{4}})\b", re.IGNORECASE)
SLASH = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
TIME = re.compile(r"\b\d{1,2}[:.]\d{2}(?::\d{2})?\s?(?:WIB|am|pm)?\b", re.IGNORECASE)


def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_dates(
    text: str, default_year: int | None = None
) -> list[tuple[str, tuple[int | None, int, int | None]]]:
    """(written text, (year or None, month, day or None)) for each date, longest forms first, in place."""
    found: list[tuple[str, tuple[int | None, int, int | None]]] = []
    spans: list[tuple[int, int]] = []

    def take(match: re.Match[str], parts: tuple[int | None, int, int | None]) -> None:
        if any(s <= match.start() < e or s < match.end() <= e for s, e in spans):
            return
        spans.append(match.span())
        found.append((match.group(0), parts))

    for m in ISO.finditer(text):
        take(m, (int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for m in SLASH.finditer(text):
        take(m, (int(m.group(3)), int(m.group(2)), int(m.group(1))))
    for m in DMY.finditer(text):
        year = int(m.group(3)) if m.group(3) else default_year
        take(m, (year, _MONTHS[m.group(2).lower()], int(m.group(1))))
    for m in MDY.finditer(text):
        year = int(m.group(3)) if m.group(3) else default_year
        take(m, (year, _MONTHS[m.group(1).lower()], int(m.group(2))))
    for m in MY.finditer(text):
        take(m, (int(m.group(2)), _MONTHS[m.group(1).lower()], None))
    return found


def strip_dates(text: str) -> str:
    """The text with dates and clock times blanked out, so their digits are not read as figures."""
    for pattern in (ISO, SLASH, DMY, MDY, MY, TIME):
        text = pattern.sub(" ", text)
    return text


def as_date(parts: tuple[int | None, int, int | None]) -> date | None:
    """A full date when year, month and day are all known."""
    year, month, day_ = parts
    return _safe(year, month, day_) if year and day_ else None


MONTH_WORDS = frozenset(_MONTHS)
