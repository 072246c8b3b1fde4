"""Grounding: every number, date, document number, code and name in an answer must come from the sources.

A figure counts as grounded when it is stated in the sources, or computed from them: a list's length,
a column's total or average, the sum or difference of two figures, a share (a / b) or a change
((a - b) / b) as a percentage; always within the rounding its written precision allows, in Indonesian
or English number formats and scale words (juta, miliar, M, billion...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from guardrails.dates import MONTH_WORDS, find_dates, strip_dates
from guardrails.facts import Facts
from guardrails.numbers import Reading, find_numbers
from textkit.language import EN_WORDS, ID_WORDS

CODE = re.compile(r"\b[A-Z]{1,6}(?:-[A-Z0-9]+)*-[A-Z]*\d[A-Z0-9]*(?:-[A-Z0-9]+)*\b")
_ENUM = re.compile(r"^\s*(?:\d{1,2}[.)]|[-•*])\s+", re.MULTILINE)
_NAME = re.compile(r"\b[A-Z][a-zA-Z'’.]+(?:\s+(?:&\s+)?[A-Z][a-zA-Z'’.]+)+")
# Capitalised words that are not names: greetings, roles, units and words of the composers' vocabulary.
COMMON = (
    ID_WORDS
    | EN_WORDS
    | MONTH_WORDS
    | set(
        "rp idr pt cv tbk ai oee so po wo do sku pak bu bapak ibu halo hai hi hello selamat pagi siang sore "
        "malam good morning afternoon evening total omzet revenue cash kas piutang hutang receivables "
        "payables order orders sales purchase production produksi work machine mesin customer vendor "
        "supplier item items stock stok status approved closed open draft posted pending rejected "
        "director direktur manager manajer operator admin sentient whatsapp dashboard summary ringkasan "
        "note catatan info warning peringatan risk risiko alert alerts shift maintenance error reset "
        "cycle start stop e-stop spindle manual section bagian langkah step".split()
    )
)


@dataclass(frozen=True)
class GroundingResult:
    """Whether every checked claim of the answer is backed by the sources, and which are not."""

    ok: bool
    unsupported: list[str] = field(default_factory=list)


def _number_ok(reading: Reading, facts: Facts) -> bool:
    """A reading is stated in, or computed from, the sources."""
    v, tol = abs(reading.value), reading.tolerance + Decimal("1e-9")
    if facts.has_number(v, tol):
        return True
    base = facts.numbers
    if reading.percent:
        for b in base:
            if b == 0:
                continue
            # share: v = a / b * 100; change: v = (a - b) / b * 100 (either direction)
            scaled_tol = tol * b / 100
            for target in (v * b / 100, b + v * b / 100, b - v * b / 100):
                if facts.has_number(target, scaled_tol, base):
                    return True
        return False
    for a in base:
        if a > v + tol and facts.has_number(a - v, tol, base):  # difference a - b = v
            return True
        if a <= v + tol and facts.has_number(v - a, tol, base):  # sum a + b = v
            return True
    return False


def _names(text: str, facts: Facts) -> list[str]:
    """Capitalised multi-word runs with a word found neither in the sources nor in common vocabulary."""
    bad = []
    for match in _NAME.finditer(text):
        words = re.findall(r"[A-Za-z'’.]+", match.group(0))
        unknown = [
            w
            for w in words
            if w.lower().strip(".") not in COMMON
            and not re.search(rf"(?<!\w){re.escape(w.lower().strip('.'))}(?!\w)", facts.text)
        ]
        if unknown:
            bad.append(match.group(0))
    return bad


def _date_ok(year: int | None, month: int, day_: int | None, facts: Facts) -> bool:
    """A full date, a month of a year, or a day of a month (year unsaid) the sources hold."""
    if year is None:
        return any((m, d) == (month, day_) for _, m, d in facts.days)
    if day_ is None:
        return (year, month) in facts.months
    return (year, month, day_) in facts.days


def check(answer: str, sources: list[Any], facts: Facts | None = None) -> GroundingResult:
    """Check an answer against its sources (tool results, retrieval passages, or plain strings).

    Pass `facts=Facts.of(sources)` to reuse the collected sources across checks of one turn (streaming).
    """
    facts = facts or Facts.of(sources)
    unsupported: list[str] = []
    text = _ENUM.sub(" ", answer)
    for code in CODE.findall(text):
        if code.lower() not in facts.text:
            unsupported.append(code)
    text = CODE.sub(" ", text)
    for written, (year, month, day_) in find_dates(text):
        if not _date_ok(year, month, day_, facts):
            unsupported.append(written)
    undated = strip_dates(text)
    unsupported += _names(undated, facts)
    for written, reads in find_numbers(undated):
        if not any(_number_ok(r, facts) for r in reads):
            unsupported.append(written)
    return GroundingResult(not unsupported, unsupported)
