"""Inventory tools: stock on hand, reserved and available per item and warehouse, with its state."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, PlainSerializer
from sqlalchemy import ColumnElement, case, func, select

from tools.common import Code
from tools.money import decimal_json
from tools.registry import REGISTRY, Caller, ToolContext, ToolError
from warehouse.schema import MItem, MWh, TInv

# Quantities are NUMERIC(18,3): exact Decimals serialised as JSON numbers.
Qty = Annotated[Decimal, PlainSerializer(decimal_json, when_used="json")]
State = Literal["oversold", "low", "ok"]
MAX_ROWS = 50


class InventoryArgs(BaseModel):
    """Optionally one item, one warehouse, and only the low or oversold rows."""

    model_config = ConfigDict(extra="forbid")
    item: Code | None = None
    warehouse: Code | None = None
    only: Literal["low", "oversold"] | None = None


class StockRow(BaseModel):
    """Stock of one item in one warehouse; available = on hand - reserved."""

    item_code: str
    item_name: str
    uom: str
    wh_code: str
    wh_name: str
    qty_on_hand: Qty
    qty_reserved: Qty
    available: Qty
    min_qty: Qty
    state: State  # oversold: available < 0; low: available < min_qty; else ok
    last_move_dt: date | None


class InventoryResult(BaseModel):
    """Stock rows matching the question and how many rows are in each state."""

    as_of: date
    item: str | None
    warehouse: str | None
    only: str | None
    counts: dict[str, int]  # {"oversold": n, "low": n, "ok": n} over item/warehouse, before `only`
    count: int  # rows matching every filter; `rows` holds at most 50 of them, problems first
    rows: list[StockRow]


def stock_state(available: Decimal, minimum: Decimal) -> State:
    """Oversold when more is reserved than on hand, low when available is under the minimum."""
    if available < 0:
        return "oversold"
    return "low" if available < minimum else "ok"


def _number(value: Any) -> Decimal:
    number = value if isinstance(value, Decimal) else Decimal(str(value or 0))
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()


def _must_exist(ctx: ToolContext, model: type[MItem] | type[MWh], code: str, what: str) -> int:
    found = ctx.session.scalar(select(model.id).where(model.code == code, model.deleted_at.is_(None)))
    if found is None:
        raise ToolError("not_found", f"No {what} with code {code}.")
    return found


def _row(r: Any) -> StockRow:
    on_hand, reserved, minimum = _number(r.qty_on_hand), _number(r.qty_reserved), _number(r.min_qty)
    available = on_hand - reserved
    return StockRow(
        item_code=r.item_code,
        item_name=r.item_name,
        uom=r.uom,
        wh_code=r.wh_code,
        wh_name=r.wh_name,
        qty_on_hand=on_hand,
        qty_reserved=reserved,
        available=available,
        min_qty=minimum,
        state=stock_state(available, minimum),
        last_move_dt=r.last_move_dt,
    )


def _where(ctx: ToolContext, args: InventoryArgs) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        TInv.deleted_at.is_(None),
        MItem.deleted_at.is_(None),
        MWh.deleted_at.is_(None),
    ]
    if args.item:
        where.append(TInv.item_id == _must_exist(ctx, MItem, args.item, "item"))
    if args.warehouse:
        where.append(TInv.wh_id == _must_exist(ctx, MWh, args.warehouse, "warehouse"))
    return where


@REGISTRY.register("inventory_status", InventoryArgs, "INV.READ")
def inventory_status(ctx: ToolContext, args: InventoryArgs, _caller: Caller) -> InventoryResult:
    """Stock per item and warehouse: on hand, reserved, available, minimum, and low or oversold state."""
    where = _where(ctx, args)
    available = TInv.qty_on_hand - TInv.qty_reserved
    state = case((available < 0, "oversold"), (available < TInv.min_qty, "low"), else_="ok")
    joined = select().select_from(TInv).join(MItem, MItem.id == TInv.item_id).join(MWh, MWh.id == TInv.wh_id)
    counts = {"oversold": 0, "low": 0, "ok": 0}
    for name, n in ctx.session.execute(joined.add_columns(state, func.count()).where(*where).group_by(state)):
        counts[name] = int(n)
    if args.only:
        where.append(state == args.only)
    rows = ctx.session.execute(
        joined.add_columns(
            TInv.qty_on_hand,
            TInv.qty_reserved,
            TInv.min_qty,
            TInv.last_move_dt,
            MItem.code.label("item_code"),
            MItem.name.label("item_name"),
            MItem.uom,
            MWh.code.label("wh_code"),
            MWh.name.label("wh_name"),
        )
        .where(*where)
        # Problems first (oversold, then low), each by how far below its limit.
        .order_by(
            case((available < 0, 0), (available < TInv.min_qty, 1), else_=2),
            available - TInv.min_qty,
            MItem.code,
            MWh.code,
        )
        .limit(MAX_ROWS)
    ).all()
    return InventoryResult(
        as_of=ctx.today,
        item=args.item,
        warehouse=args.warehouse,
        only=args.only,
        counts=counts,
        count=counts[args.only] if args.only else sum(counts.values()),
        rows=[_row(r) for r in rows],
    )
