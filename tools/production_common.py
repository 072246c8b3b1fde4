"""Pieces the production tools share: quantity type, one-decimal percentages and machine look-ups."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import PlainSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.money import decimal_json
from tools.registry import ToolError
from warehouse.schema import MMachine

# Quantities are NUMERIC(18,3): exact Decimals that serialise to JSON numbers like money does.
Qty = Annotated[Decimal, PlainSerializer(decimal_json, when_used="json")]

ONE_DECIMAL = Decimal("0.1")


def dec(value: Any) -> Decimal:
    """An exact Decimal of a database number (SQLite may hand back floats or None)."""
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def quantity(value: Any) -> Decimal:
    """A quantity without trailing zeros beyond its unit (1800.000 -> 1800)."""
    number = dec(value)
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()


def pct1(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole x 100 with one decimal (half up); None when whole is zero."""
    if not whole:
        return None
    return (dec(part) * 100 / dec(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def find_machine(session: Session, code: str, include_retired: bool = False) -> MMachine:
    """The machine with a code; retired (soft-deleted) ones only when asked for. Unknown -> not_found."""
    query = select(MMachine).where(MMachine.code == code)
    if not include_retired:
        query = query.where(MMachine.deleted_at.is_(None))
    machine = session.scalar(query)
    if machine is None:
        raise ToolError("not_found", f"No machine with code {code}.")
    return machine
