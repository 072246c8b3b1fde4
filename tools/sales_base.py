"""Shared pieces of the sales and purchasing tools: the revenue rule, lookups, periods, growth."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, PlainSerializer, model_validator
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from tools.common import DocNo
from tools.dashboard import BOOKED
from tools.money import decimal_json
from tools.registry import ToolError
from warehouse.periods import month_end, month_start
from warehouse.schema import MCust, MItem, MVendor, TDo, TSo

__all__ = ["BOOKED", "OPEN_SO", "DocRef", "Quantity", "booked", "growth_pct", "previous_period"]

# A quantity serialised as an exact JSON number, like Money.
Quantity = Annotated[Decimal, PlainSerializer(decimal_json, when_used="json")]

OPEN_SO = ("Pending", "Approved")  # orders still to be fulfilled (Draft is not committed yet)
CENT = Decimal("0.01")


class DocRef(BaseModel):
    """One document, by its number or by its UUID (exactly one of them)."""

    model_config = ConfigDict(extra="forbid")
    doc_no: DocNo | None = None
    uuid: UUID | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> DocRef:
        if (self.doc_no is None) == (self.uuid is None):
            raise ValueError("give exactly one of doc_no or uuid")
        return self


def booked(start: date, end: date) -> list[ColumnElement[bool]]:
    """The revenue rule (as the dashboard): active orders, Approved or Closed, ordered in [start, end]."""
    return [TSo.status.in_(BOOKED), TSo.order_dt.between(start, end), TSo.deleted_at.is_(None)]


def delivered(so_id: Any) -> ColumnElement[bool]:
    """Whether a sales order has a Delivered delivery (the dashboard's notion of delivered)."""
    return exists().where(TDo.so_id == so_id, TDo.status == "Delivered", TDo.deleted_at.is_(None))


def money(value: Any) -> Decimal:
    """A database sum as exact rupiah (SQLite hands back floats for NUMERIC sums)."""
    return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def growth_pct(current: Decimal, previous: Decimal) -> Decimal | None:
    """(current - previous) / previous x 100 with one decimal; None when previous is 0."""
    if not previous:
        return None
    return ((current - previous) * 100 / previous).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def share_pct(part: Decimal, whole: Decimal) -> Decimal:
    """part / whole x 100 with one decimal (0 when whole is 0)."""
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if whole else Decimal(0)


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period a range is compared with: same calendar months before, or the same number of days.

    A range starting on the 1st moves back by the number of calendar months it spans, the end day clamped
    to the shifted month (a month's last day stays a last day): 1-27 Dec -> 1-27 Nov, Dec -> Nov, Q3 -> Q2,
    a year -> the year before. Any other range moves back by its own length in days, ending the day before.
    """
    if start.day == 1:
        months = (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1
        last = month_end(end, months)
        same_day = month_start(end, months) + timedelta(days=end.day - 1)
        return month_start(start, months), last if end == month_end(end) else min(same_day, last)
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def customer_ref(session: Session, code: str) -> tuple[int, str]:
    """The internal id and name of an active customer code, or not_found."""
    return _ref(session, MCust, code, "Customer")


def item_ref(session: Session, code: str) -> tuple[int, str]:
    """The internal id and name of an active item code, or not_found."""
    return _ref(session, MItem, code, "Item")


def vendor_ref(session: Session, code: str) -> tuple[int, str]:
    """The internal id and name of an active vendor code, or not_found."""
    return _ref(session, MVendor, code, "Vendor")


def _ref(session: Session, table: type[MCust | MItem | MVendor], code: str, what: str) -> tuple[int, str]:
    row = session.execute(
        select(table.id, table.name).where(table.code == code, table.deleted_at.is_(None))
    ).first()
    if row is None:
        raise ToolError("not_found", f"{what} {code} not found.")
    return int(row[0]), str(row[1])
