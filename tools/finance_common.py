"""Pieces the finance tools share: exact rupiah amounts and customer / vendor look-ups."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.registry import ToolError
from warehouse.schema import MCust, MVendor

CENT = Decimal("0.01")
MAX_LIST = 50  # listed rows per answer; totals always cover every row


def rupiah(value: Any) -> Decimal:
    """An exact amount in rupiah with two decimals (SQLite may hand back floats or None)."""
    number = value if isinstance(value, Decimal) else Decimal(str(value or 0))
    return number.quantize(CENT)


def customer_id(session: Session, code: str) -> int:
    """Internal id of an active customer; unknown code -> not_found."""
    found = session.scalar(select(MCust.id).where(MCust.code == code, MCust.deleted_at.is_(None)))
    if found is None:
        raise ToolError("not_found", f"No customer with code {code}.")
    return found


def vendor_id(session: Session, code: str) -> int:
    """Internal id of an active vendor; unknown code -> not_found."""
    found = session.scalar(select(MVendor.id).where(MVendor.code == code, MVendor.deleted_at.is_(None)))
    if found is None:
        raise ToolError("not_found", f"No vendor with code {code}.")
    return found
