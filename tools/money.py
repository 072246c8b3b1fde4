"""Decimal money and percentages that serialise to exact JSON numbers (never floats on the way in)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer


def decimal_json(value: Decimal) -> int | float:
    """A JSON number for a Decimal: an int when whole (rupiah amounts), else a float of its exact text."""
    return int(value) if value == value.to_integral_value() else float(value)


Money = Annotated[Decimal, PlainSerializer(decimal_json, when_used="json")]
Percent = Annotated[Decimal, PlainSerializer(decimal_json, when_used="json")]
