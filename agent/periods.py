"""Period phrases in Indonesian and English ("bulan ini", "last month", "Q3 2024", "7 hari terakhir")."""

from __future__ import annotations

import re
from datetime import date, timedelta

from textkit.format import MONTHS as MONTH_NAMES
from tools.common import Period
from warehouse.periods import month_end, month_start

MONTHS = {
    "januari": 1,
    "january": 1,
    "jan": 1,
    "februari": 2,
    "february": 2,
    "feb": 2,
    "maret": 3,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "may": 5,
    "juni": 6,
    "june": 6,
    "jun": 6,
    "juli": 7,
    "july": 7,
    "jul": 7,
    "agustus": 8,
    "august": 8,
    "agu": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "october": 10,
    "okt": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "desember": 12,
    "december": 12,
    "des": 12,
    "dec": 12,
}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
# A bare month name without a year: every name and three-letter abbreviation (nov, des, dec), never English
# "may" (a modal verb far more often).
_FULL_MONTH_RE = "|".join(sorted((m for m in MONTHS if m != "may"), key=len, reverse=True))

# (pattern, resolver(today, match) -> (start, end)); the first match in this order wins.
_YEAR_START = r"(?:awal|beginning|start)\s+(?:of\s+)?(?:tahun|the year|year)(?:\s+(?:ini|this))?"
_UNTIL_NOW = r"(?:\s+(?:sampai|hingga|s/?d|to|until|till)\s+(?:sekarang|hari ini|kini|now|today|date))?"
_RULES: list[tuple[str, str]] = [
    (r"\b(\d{4}-\d{2}-\d{2})\s*(?:s/?d|sampai|hingga|to|until|-|–)\s*(\d{4}-\d{2}-\d{2})\b", "range"),
    # "dari awal tahun sampai sekarang", "since the start of the year": the year to date (never a bare
    # "awal tahun", which may mean January)
    (rf"\b(?:sejak|dari|mulai|since|from)\s+(?:the\s+)?{_YEAR_START}{_UNTIL_NOW}(?=\W|$)", "this_year"),
    (rf"\b{_YEAR_START}{_UNTIL_NOW.removesuffix('?')}(?=\W|$)", "this_year"),
    # "januari sampai maret", "from Jan to Mar 2024": whole months, the last one up to today
    (
        rf"\b(?:(?:dari|from|between|antara)\s+)?(?:bulan\s+)?({_FULL_MONTH_RE})\s*(?:sampai|hingga|s/?d|to|until|through|-|–)\s*"
        rf"(?:bulan\s+)?({_FULL_MONTH_RE})(?:\s+(\d{{4}}))?\b",
        "month_range",
    ),
    # "sejak Januari", "since March 2024": from that month's first day to today
    (
        rf"\b(?:sejak|mulai|since)\s+(?:bulan\s+)?({_FULL_MONTH_RE})(?:\s+(\d{{4}}))?\b" + _UNTIL_NOW,
        "since_month",
    ),
    (r"\b(?:q|kuartal|quarter|triwulan)\s*([1-4])(?:\s*(?:tahun\s*)?(\d{4}))?\b", "quarter"),
    (r"\b(?:kuartal ini|triwulan ini|this quarter|quarter to date|qtd)\b", "this_quarter"),
    (r"\b(?:kuartal lalu|triwulan lalu|last quarter|previous quarter)\b", "last_quarter"),
    (rf"\b({_MONTH_RE})\s+(\d{{4}})\b", "month_year"),
    # "7 hari terakhir"; never the digits of a code ("MCH-003 hari ini").
    (r"(?<![\w-])(\d{1,3})\s*(?:hari|days?)\s*(?:terakhir|belakangan|ke belakang)\b", "last_n_days"),
    (r"\b(?:last|past|previous)\s+(\d{1,3})\s+days?\b", "last_n_days"),
    (r"\b(\d{4}-\d{2}-\d{2})\b", "one_day"),
    (r"\b(?:minggu ini|pekan ini|this week)\b", "this_week"),
    (r"\b(?:minggu lalu|pekan lalu|minggu kemarin|pekan kemarin|last week)\b", "last_week"),
    (r"\b(?:bulan lalu|bln lalu|bulan kemarin|last month|previous month)\b", "last_month"),
    (r"\b(?:bulan ini|bln ini|this month|month to date|mtd)\b", "this_month"),
    (r"\b(?:tahun lalu|tahun kemarin|last year|previous year)\b", "last_year"),
    (r"\b(?:tahun ini|this year|ytd|year to date)\b", "this_year"),
    # after the spans: "bulan kemarin" is last month, never yesterday
    (r"\b(?:hari ini|today|tdy|hr ini)\b", "today"),
    (r"\b(?:kemarin|kmrn|kemaren|yesterday)\b", "yesterday"),
    (r"\b(?:tahun|year)\s+(\d{4})\b", "year"),
    (r"(?<![\w-])(20\d{2})(?![\w-])", "year"),  # a bare year ("sales trend 2024"), never a code's digits
    (rf"\b({_FULL_MONTH_RE})\b", "month_only"),
]

LABELS = {
    "today": ("hari ini", "today"),
    "yesterday": ("kemarin", "yesterday"),
    "this_week": ("minggu ini", "this week"),
    "last_week": ("minggu lalu", "last week"),
    "this_month": ("bulan ini", "this month"),
    "last_month": ("bulan lalu", "last month"),
    "this_year": ("tahun ini", "this year"),
    "last_year": ("tahun lalu", "last year"),
    "this_quarter": ("kuartal ini", "this quarter"),
    "last_quarter": ("kuartal lalu", "last quarter"),
}


def find_period(text: str, today: date, lang: str = "id") -> Period | None:
    """The first period the text names, resolved against today; None when it names none."""
    lowered = text.lower()
    for pattern, kind in _RULES:
        match = re.search(pattern, lowered)
        if match:
            span = _resolve(kind, match, today)
            if span is not None:
                return Period(start=span[0], end=span[1], label=_label(kind, span, match, lang))
    return None


def find_periods(text: str, today: date, lang: str = "id") -> list[tuple[int, int, Period]]:
    """Every period the text names, as (start char, end char, period), in text order, none overlapping."""
    lowered = text.lower()
    found: list[tuple[int, int, Period]] = []
    for pattern, kind in _RULES:
        for match in re.finditer(pattern, lowered):
            if any(match.start() < end and start < match.end() for start, end, _ in found):
                continue
            span = _resolve(kind, match, today)
            if span is not None and span[0] <= span[1]:
                label = _label(kind, span, match, lang)
                found.append((match.start(), match.end(), Period(start=span[0], end=span[1], label=label)))
    return sorted(found, key=lambda f: f[0])


def _label(kind: str, span: tuple[date, date], m: re.Match[str], lang: str) -> str:
    """How the answer names the period, in the answer's language."""
    en = lang == "en"
    if kind in LABELS:
        return LABELS[kind][1 if en else 0]
    start, end = span
    if kind in ("month_year", "month_only"):
        return f"{MONTH_NAMES[lang if en else 'id'][start.month - 1]} {start.year}"
    if kind == "quarter":
        return (
            f"Q{(start.month - 1) // 3 + 1} {start.year}"
            if en
            else f"Kuartal {(start.month - 1) // 3 + 1} {start.year}"
        )
    if kind == "year":
        return f"{start.year}" if en else f"tahun {start.year}"
    if kind in ("since_month", "month_range"):
        names = MONTH_NAMES[lang if en else "id"]
        first = f"{names[start.month - 1]} {start.year}"
        if kind == "since_month":
            return f"since {first}" if en else f"sejak {first}"
        return f"{first} – {names[end.month - 1]} {end.year}"
    if kind == "last_n_days":
        n = (end - start).days + 1
        return f"last {n} days" if en else f"{n} hari terakhir"
    return f"{start.isoformat()} – {end.isoformat()}" if start != end else start.isoformat()


def this_month(today: date, lang: str) -> Period:
    """Month to date: the default period of sales questions."""
    return Period(start=month_start(today), end=today, label=LABELS["this_month"][0 if lang == "id" else 1])


def current_like(period: Period, today: date, lang: str) -> Period:
    """The current period of the same grain as `period`: "dibanding tahun lalu" compares this year, "vs
    last week" this week, "dibanding kemarin" today; anything else, this month."""
    start, end = period.start, period.end
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        kind = "this_year"
    elif start.day == 1 and start.month % 3 == 1 and end == month_end(start, -2):
        kind = "this_quarter"
    elif start.weekday() == 0 and (end - start).days == 6:
        kind = "this_week"
    elif start == end:
        kind = "today"
    else:
        return this_month(today, lang)
    first, last = _relative(kind, today)
    return Period(start=first, end=last, label=LABELS[kind][0 if lang == "id" else 1])


def just_today(today: date, lang: str) -> Period:
    """Today only: the default period of machine questions."""
    return Period(start=today, end=today, label=LABELS["today"][0 if lang == "id" else 1])


def _resolve(kind: str, m: re.Match[str], today: date) -> tuple[date, date] | None:
    if kind == "range":
        return date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
    if kind == "quarter":
        year = int(m.group(2)) if m.group(2) else today.year
        first = date(year, 3 * int(m.group(1)) - 2, 1)
        return first, month_end(first, -2)
    if kind == "month_year":
        first = date(int(m.group(2)), MONTHS[m.group(1)], 1)
        return first, month_end(first)
    if kind in ("since_month", "month_range"):
        from_month = MONTHS[m.group(1)]
        to_month = from_month if kind == "since_month" else MONTHS[m.group(2)]
        given = m.group(2) if kind == "since_month" else m.group(3)
        year = int(given) if given else (today.year if to_month <= today.month else today.year - 1)
        start = date(year if from_month <= to_month else year - 1, from_month, 1)
        end = today if kind == "since_month" else min(month_end(date(year, to_month, 1)), today)
        return (start, end) if start <= today else None
    if kind == "month_only":
        month = MONTHS[m.group(1)]
        year = today.year if month <= today.month else today.year - 1  # the most recent such month
        first = date(year, month, 1)
        return first, min(month_end(first), today)
    if kind == "last_n_days":
        n = int(m.group(1))
        return (today - timedelta(days=n - 1), today) if 1 <= n <= 366 else None
    if kind == "one_day":
        return date.fromisoformat(m.group(1)), date.fromisoformat(m.group(1))
    if kind == "year":
        return date(int(m.group(1)), 1, 1), date(int(m.group(1)), 12, 31)
    return _relative(kind, today)


def _relative(kind: str, today: date) -> tuple[date, date]:
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    monday = today - timedelta(days=today.weekday())
    spans = {
        "today": (today, today),
        "yesterday": (today - timedelta(days=1), today - timedelta(days=1)),
        "this_week": (monday, today),
        "last_week": (monday - timedelta(days=7), monday - timedelta(days=1)),
        "this_month": (month_start(today), today),
        "last_month": (month_start(today, 1), month_end(today, 1)),
        "this_year": (date(today.year, 1, 1), today),
        "last_year": (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
        "this_quarter": (quarter, today),
        "last_quarter": (month_start(quarter, 3), month_end(quarter, 1)),
    }
    return spans[kind]
