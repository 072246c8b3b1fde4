"""Stock rules: oversold (more reserved than on hand) or below the reorder minimum,
per item and warehouse."""

from __future__ import annotations

from sqlalchemy import select

from alerts.types import Finding, RuleContext
from tools.inventory import stock_state
from tools.production_common import dec
from warehouse.schema import MItem, MWh, TInv


def stock(ctx: RuleContext) -> list[Finding]:
    """Every stock row that is oversold (Medium) or below its minimum (Low), classified as the inventory
    tool does; queried here without the tool's 50-row cap so that no open condition is mistaken for cleared.
    """
    available = TInv.qty_on_hand - TInv.qty_reserved
    rows = ctx.session.execute(
        select(MItem.code, MItem.uom, MWh.code, available, TInv.min_qty)
        .join(MItem, MItem.id == TInv.item_id)
        .join(MWh, MWh.id == TInv.wh_id)
        .where(
            TInv.deleted_at.is_(None),
            MItem.deleted_at.is_(None),
            MWh.deleted_at.is_(None),
            available < TInv.min_qty,  # oversold rows are below any minimum >= 0 too
        )
        .order_by(MItem.code, MWh.code)
    ).all()
    findings = []
    for item, uom, wh, avail, minimum in rows:
        state = stock_state(dec(avail), dec(minimum))
        if state == "ok":  # a negative minimum: not a condition
            continue
        findings.append(
            Finding(
                f"stock_{state}:{item}:{wh}",
                "stock",
                "INV",
                "STOCK",
                "Medium" if state == "oversold" else "Low",
                {"item": item, "wh": wh, "uom": uom, "available_qty": dec(avail), "min_qty": dec(minimum)},
            )
        )
    return findings
