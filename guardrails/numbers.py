"""Numbers as people write them, in Indonesian and English, parsed to every value they could mean.

"1.250.000.000" and "1,250,000,000" are the same; "1,25 M" is 1.25 billion in Indonesian (miliar) but
"1.25M" is 1.25 million in English; "1.250" is 1250 (id) or 1.25 (en). A written number therefore maps
to a set of candidate values, each with the tolerance its written precision implies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

SCALES: dict[str, tuple[int, ...]] = {
    "ribu": (10**3,),
    "rb": (10**3,),
    "k": (10**3,),
    "thousand": (10**3,),
    "juta": (10**6,),
    "jt": (10**6,),
    "million": (10**6,),
    "mn": (10**6,),
    "mio": (10**6,),
    "m": (10**6, 10**9),  # English million, Indonesian miliar
    "miliar": (10**9,),
    "milyar": (10**9,),
    "billion": (10**9,),
    "bn": (10**9,),
    "b": (10**9,),
    "triliun": (10**12,),
    "trillion": (10**12,),
    "t": (10**12,),
}
_SCALE_WORDS = "|".join(sorted(SCALES, key=len, reverse=True))
NUMBER = re.compile(
    rf"(?<![\w.,])(?P<num>\d+(?:[.,]\d+)*)(?:\s?(?P<scale>{_SCALE_WORDS})\b)?(?P<pct>\s?%)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reading:
    """One way to read a written number: its value and how far off a correct rounding may be."""

    value: Decimal
    tolerance: Decimal
    percent: bool = False


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def plain_readings(digits: str) -> list[tuple[Decimal, int]]:
    """(value, decimal places) for every way of reading digits with '.'/',' separators."""
    dots, commas = digits.count("."), digits.count(",")
    if not dots and not commas:
        return [(Decimal(digits), 0)]
    if dots and commas:
        dec = "." if digits.rfind(".") > digits.rfind(",") else ","
        group = "," if dec == "." else "."
        whole, _, frac = digits.replace(group, "").partition(dec)
        return [(Decimal(f"{whole}.{frac}"), len(frac))]
    sep = "." if dots else ","
    parts = digits.split(sep)
    grouped = all(len(p) == 3 for p in parts[1:]) and 1 <= len(parts[0]) <= 3
    out: list[tuple[Decimal, int]] = []
    if grouped:
        out.append((Decimal("".join(parts)), 0))
    if len(parts) == 2:
        out.append((Decimal(f"{parts[0]}.{parts[1]}"), len(parts[1])))
    return out


def readings(match: re.Match[str]) -> list[Reading]:
    """Every value a NUMBER match could mean, scaled, with the tolerance of its last written digit."""
    scale_word = (match.group("scale") or "").lower()
    scales = SCALES.get(scale_word, (1,))
    if len(scale_word) == 1:  # "500 m" may be metres and "3 t" tonnes: the bare number stays a reading
        scales = (*scales, 1)
    percent = bool(match.group("pct"))
    out = []
    for value, places in plain_readings(match.group("num")):
        unit = Decimal(1).scaleb(-places) / 2  # a correctly rounded figure is within half its last digit
        for scale in scales:
            out.append(Reading(value * scale, unit * scale, percent))
    return out


def find_numbers(text: str) -> list[tuple[str, list[Reading]]]:
    """Each number written in the text with its possible readings."""
    return [(m.group(0).strip(), readings(m)) for m in NUMBER.finditer(text)]


def to_decimal(value: object) -> Decimal | None:
    """A JSON value as a Decimal when it is a number or a numeric string ('1250000.00')."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    if isinstance(value, str) and re.fullmatch(r"-?\d+(?:\.\d+)?", value.strip()):
        return _decimal(value.strip())
    return None
