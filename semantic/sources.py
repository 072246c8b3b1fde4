"""The joined tables metrics aggregate over, each with its live-row filter, time column and dimensions."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement

from semantic.model import Source
from warehouse.schema import (
    MCust,
    MEmp,
    MItem,
    MMachine,
    MVendor,
    MWh,
    TAp,
    TAr,
    TCash,
    TInv,
    TMaint,
    TPo,
    TShiftLog,
    TSo,
    TSoDetail,
)

BOOKED = ("Approved", "Closed")  # an order counts as sales once approved (as the dashboard counts it)
CLOSED_PO = ("Cancel",)  # purchase value counts every live order except cancelled ones
Dim = tuple[Any, Any]  # (key column, label column)

CUSTOMER: Dim = (MCust.code, MCust.name)
SEGMENT: Dim = (MCust.segment, MCust.segment)
ITEM: Dim = (MItem.code, MItem.name)
CATEGORY: Dim = (MItem.category, MItem.category)
VENDOR: Dim = (MVendor.code, MVendor.name)
MACHINE: Dim = (MMachine.code, MMachine.name)
WAREHOUSE: Dim = (MWh.code, MWh.name)


def _none(_today: date) -> list[ColumnElement[bool]]:
    return []


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source(
            "so",
            lambda: TSo.__table__.join(MCust, MCust.id == TSo.cust_id),
            lambda _t: [TSo.status.in_(BOOKED), TSo.deleted_at.is_(None)],
            TSo.order_dt,
            {"customer": CUSTOMER, "segment": SEGMENT},
        ),
        Source(
            "so_line",
            lambda: (
                TSoDetail.__table__.join(TSo, TSo.id == TSoDetail.so_id)
                .join(MCust, MCust.id == TSo.cust_id)
                .join(MItem, MItem.id == TSoDetail.item_id)
            ),
            lambda _t: [TSo.status.in_(BOOKED), TSo.deleted_at.is_(None), TSoDetail.deleted_at.is_(None)],
            TSo.order_dt,
            {"customer": CUSTOMER, "segment": SEGMENT, "item": ITEM, "category": CATEGORY},
        ),
        Source(
            "ar",
            lambda: TAr.__table__.join(MCust, MCust.id == TAr.cust_id),
            lambda _t: [TAr.paid_dt.is_(None), TAr.deleted_at.is_(None)],
            None,
            {"customer": CUSTOMER, "segment": SEGMENT},
        ),
        Source(
            "ap",
            lambda: TAp.__table__.join(MVendor, MVendor.id == TAp.vendor_id),
            lambda _t: [TAp.paid_dt.is_(None), TAp.deleted_at.is_(None)],
            None,
            {"vendor": VENDOR},
        ),
        Source(
            "cash",
            lambda: TCash.__table__,
            lambda _t: [TCash.status == "Posted", TCash.deleted_at.is_(None)],
            TCash.txn_dt,
            {"cash_category": (TCash.category, TCash.category), "account": (TCash.acct, TCash.acct)},
        ),
        Source(
            "cash_balance",  # a balance: every posted movement up to today
            lambda: TCash.__table__,
            lambda today: [TCash.status == "Posted", TCash.deleted_at.is_(None), TCash.txn_dt <= today],
            None,
            {"account": (TCash.acct, TCash.acct)},
        ),
        Source(
            "shift",
            lambda: TShiftLog.__table__.join(MMachine, MMachine.id == TShiftLog.machine_id).outerjoin(
                MEmp, MEmp.id == TShiftLog.emp_id
            ),
            lambda _t: [TShiftLog.deleted_at.is_(None)],
            TShiftLog.log_dt,
            {
                "machine": MACHINE,
                "shift": (TShiftLog.shift, TShiftLog.shift),
                "operator": (MEmp.code, MEmp.name),
                "error_code": (TShiftLog.error_code, TShiftLog.error_code),
            },
        ),
        Source(
            "inv",
            lambda: TInv.__table__.join(MItem, MItem.id == TInv.item_id).join(MWh, MWh.id == TInv.wh_id),
            lambda _t: [TInv.deleted_at.is_(None)],
            None,
            {"item": ITEM, "category": CATEGORY, "warehouse": WAREHOUSE},
        ),
        Source(
            "po",
            lambda: TPo.__table__.join(MVendor, MVendor.id == TPo.vendor_id),
            lambda _t: [TPo.status.not_in(CLOSED_PO), TPo.status != "Draft", TPo.deleted_at.is_(None)],
            TPo.order_dt,
            {"vendor": VENDOR, "po_status": (TPo.status, TPo.status)},
        ),
        Source(
            "maint",
            lambda: TMaint.__table__.join(MMachine, MMachine.id == TMaint.machine_id),
            lambda _t: [TMaint.deleted_at.is_(None)],
            TMaint.maint_dt,
            {"machine": MACHINE, "maint_type": (TMaint.maint_type, TMaint.maint_type)},
        ),
        Source(
            "vendor",  # the vendor master itself: scores are averaged over the vendors in scope
            lambda: MVendor.__table__,
            lambda _t: [MVendor.deleted_at.is_(None)],
            None,
            {"vendor": VENDOR},
        ),
    )
}
