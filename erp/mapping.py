"""The ERP's tables and how each column maps to the warehouse: one definition read in both directions.

The loader reads it ERP -> warehouse (codes to ids, status letters to ours, local time to UTC); `sync
verify` and `erp demo init` read it warehouse -> ERP, so a mapping that loses information fails verify.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from warehouse.base import Base
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
    TDo,
    TInv,
    TInvMove,
    TMaint,
    TPo,
    TPoDetail,
    TQc,
    TShiftLog,
    TSo,
    TSoDetail,
    TWo,
)

Row = dict[str, Any]


class MappingError(ValueError):
    """An ERP value the warehouse cannot take (an unknown status letter, a bad number): a poison event."""


class MissingRef(LookupError):
    """A code that names no warehouse row yet (its parent may come in a later batch): retried."""


@dataclass(frozen=True)
class Col:
    """One ERP column: its warehouse column and kind (s, i, d2, d3, dp, date, ts, ref, enum)."""

    erp: str
    wh: str
    kind: str = "s"
    ref: str = ""  # ref: the warehouse table the code names
    codes: tuple[tuple[str, str], ...] = ()  # enum: (ERP letter, our status)
    null: bool = True


@dataclass(frozen=True)
class Table:
    """One ERP table: its key columns (its primary key), mapped columns and warehouse model."""

    erp: str
    model: type[Base]
    key: tuple[str, ...]
    cols: tuple[Col, ...]
    natural: tuple[str, ...] = ()  # warehouse columns unique per row: adopt a row already there
    extra_key: tuple[str, ...] = field(default=())  # key columns with no warehouse column (so_line.line_no)

    @property
    def number_within(self) -> str | None:
        """The warehouse column an extra key numbers rows within (so_line: so_id), None: the whole table."""
        first = self.key[0]
        return None if first in self.extra_key else self.col(first).wh

    @property
    def wh(self) -> str:
        """The warehouse table name."""
        return str(self.model.__tablename__)

    def col(self, erp: str) -> Col:
        """The column named `erp`."""
        return next(c for c in self.cols if c.erp == erp)


SO_STATUS = (("D", "Draft"), ("P", "Pending"), ("A", "Approved"), ("C", "Closed"), ("X", "Cancel"))
AR_STATUS = (("O", "Open"), ("P", "Paid"), ("V", "Overdue"))
PO_STATUS = (("D", "Draft"), ("W", "Pending Director"), ("A", "Approved"), ("R", "Received"), ("X", "Cancel"))
DO_STATUS = (("P", "Pending"), ("S", "Shipped"), ("T", "In Transit"), ("D", "Delivered"))
MACHINE_STATUS = (("R", "Running"), ("I", "Idle"), ("M", "Maintenance"), ("B", "Breakdown"))
SEGMENT = (("V", "VIP"), ("R", "Regular"))
WO_STATUS = (("S", "Scheduled"), ("I", "In Progress"), ("C", "Completed"))
MOVE_TYPE = (("I", "IN"), ("O", "OUT"), ("T", "TRANSFER"), ("A", "ADJUST"))
MAINT_TYPE = (("P", "Preventive"), ("C", "Corrective"))
QC_GRADE = (("A", "A"), ("B", "B"), ("C", "C"), ("R", "Reject"))
CASH_STATUS = (("P", "Posted"), ("L", "Planned"))

# Warehouse tables a ref may name, and the business code column it is found by.
CODE_COLUMN = {
    "m_cust": "code",
    "m_item": "code",
    "m_wh": "code",
    "m_emp": "code",
    "m_machine": "code",
    "m_vendor": "code",
    "t_so": "doc_no",
    "t_po": "doc_no",
    "t_wo": "doc_no",
}

TABLES: tuple[Table, ...] = (
    Table(
        "customer",
        MCust,
        ("cust_code",),
        (
            Col("cust_code", "code", null=False),
            Col("cust_name", "name", null=False),
            Col("address", "addr"),
            Col("cust_class", "segment", "enum", codes=SEGMENT, null=False),
            Col("credit_limit", "credit_lim", "d2", null=False),
            Col("terms_days", "pay_terms", "i", null=False),
            Col("last_order", "last_order_dt", "date"),
        ),
        natural=("code",),
    ),
    Table(
        "item",
        MItem,
        ("item_code",),
        (
            Col("item_code", "code", null=False),
            Col("item_desc", "name", null=False),
            Col("item_group", "category", null=False),
            Col("std_cost", "std_cost", "d2", null=False),
            Col("sell_price", "sell_price", "d2"),
            Col("uom", "uom", null=False),
        ),
        natural=("code",),
    ),
    Table(
        "location",
        MWh,
        ("loc_code",),
        (
            Col("loc_code", "code", null=False),
            Col("loc_name", "name", null=False),
            Col("zone", "zone"),
            Col("capacity_m3", "capacity_m3", "d3"),
        ),
        natural=("code",),
    ),
    Table(
        "employee",
        MEmp,
        ("emp_code",),
        (
            Col("emp_code", "code", null=False),
            Col("emp_name", "name", null=False),
            Col("dept", "dept"),
            Col("job_title", "position"),
            Col("shift_no", "shift"),
        ),
        natural=("code",),
    ),
    Table(
        "machine",
        MMachine,
        ("mach_code",),
        (
            Col("mach_code", "code", null=False),
            Col("mach_name", "name", null=False),
            Col("model", "model"),
            Col("site", "location"),
            Col("cap_per_hr", "cap_per_hr", "d3", null=False),
            Col("run_hours", "run_hours", "d3", null=False),
            Col("last_service", "last_maint_dt", "date"),
            Col("service_days", "maint_int_days", "i", null=False),
            Col("mach_status", "status", "enum", codes=MACHINE_STATUS, null=False),
        ),
        natural=("code",),
    ),
    Table(
        "vendor",
        MVendor,
        ("vend_code",),
        (
            Col("vend_code", "code", null=False),
            Col("vend_name", "name", null=False),
            Col("address", "addr"),
            Col("bank_account", "bank_acc"),
            Col("otd_score", "otd_score", "dp"),
            Col("quality_score", "quality_score", "dp"),
            Col("terms_days", "pay_terms", "i", null=False),
        ),
        natural=("code",),
    ),
    Table(
        "sales_order",
        TSo,
        ("so_no",),
        (
            Col("so_no", "doc_no", null=False),
            Col("cust_code", "cust_id", "ref", ref="m_cust", null=False),
            Col("order_date", "order_dt", "date", null=False),
            Col("due_date", "deadline_dt", "date"),
            Col("total_amount", "total_amt", "d2", null=False),
            Col("disc_pct", "disc_pct", "dp", null=False),
            Col("so_status", "status", "enum", codes=SO_STATUS, null=False),
            Col("approved_date", "approved_dt", "date"),
            Col("created", "created_at", "ts", null=False),
        ),
        natural=("doc_no",),
    ),
    Table(
        "so_line",
        TSoDetail,
        ("so_no", "line_no"),
        (
            Col("so_no", "so_id", "ref", ref="t_so", null=False),
            Col("item_code", "item_id", "ref", ref="m_item", null=False),
            Col("qty", "qty", "d3", null=False),
            Col("price", "unit_price", "d2", null=False),
            Col("disc_pct", "disc_pct", "dp", null=False),
            Col("amount", "line_amt", "d2", null=False),
        ),
        natural=("so_id", "item_id"),
        extra_key=("line_no",),
    ),
    Table(
        "invoice",
        TAr,
        ("inv_no",),
        (
            Col("inv_no", "inv_no", null=False),
            Col("so_no", "so_id", "ref", ref="t_so", null=False),
            Col("cust_code", "cust_id", "ref", ref="m_cust", null=False),
            Col("inv_date", "inv_dt", "date", null=False),
            Col("amount", "amt", "d2", null=False),
            Col("due_date", "due_dt", "date", null=False),
            Col("paid_date", "paid_dt", "date"),
            Col("inv_status", "status", "enum", codes=AR_STATUS, null=False),
        ),
        natural=("inv_no",),
    ),
    Table(
        "delivery",
        TDo,
        ("do_no",),
        (
            Col("do_no", "doc_no", null=False),
            Col("so_no", "so_id", "ref", ref="t_so", null=False),
            Col("driver_code", "driver_id", "ref", ref="m_emp"),
            Col("ship_date", "ship_dt", "date"),
            Col("eta_date", "eta_dt", "date"),
            Col("arrived_date", "actual_dt", "date"),
            Col("do_status", "status", "enum", codes=DO_STATUS, null=False),
        ),
        natural=("doc_no",),
    ),
    Table(
        "purchase_order",
        TPo,
        ("po_no",),
        (
            Col("po_no", "doc_no", null=False),
            Col("vend_code", "vendor_id", "ref", ref="m_vendor", null=False),
            Col("order_date", "order_dt", "date", null=False),
            Col("expected_date", "expected_dt", "date"),
            Col("total_amount", "total_amt", "d2", null=False),
            Col("po_status", "status", "enum", codes=PO_STATUS, null=False),
            Col("approved_date", "approved_dt", "date"),
        ),
        natural=("doc_no",),
    ),
    Table(
        "po_line",
        TPoDetail,
        ("po_no", "line_no"),
        (
            Col("po_no", "po_id", "ref", ref="t_po", null=False),
            Col("item_code", "item_id", "ref", ref="m_item", null=False),
            Col("qty", "qty", "d3", null=False),
            Col("price", "unit_price", "d2", null=False),
            Col("amount", "line_amt", "d2", null=False),
        ),
        natural=("po_id", "item_id"),
        extra_key=("line_no",),
    ),
    Table(
        "bill",
        TAp,
        ("bill_no",),
        (
            Col("bill_no", "bill_no", null=False),
            Col("po_no", "po_id", "ref", ref="t_po", null=False),
            Col("vend_code", "vendor_id", "ref", ref="m_vendor", null=False),
            Col("amount", "amt", "d2", null=False),
            Col("due_date", "due_dt", "date", null=False),
            Col("paid_date", "paid_dt", "date"),
            Col("bill_status", "status", "enum", codes=AR_STATUS, null=False),
        ),
        natural=("bill_no",),
    ),
    Table(
        "stock",
        TInv,
        ("item_code", "loc_code"),
        (
            Col("item_code", "item_id", "ref", ref="m_item", null=False),
            Col("loc_code", "wh_id", "ref", ref="m_wh", null=False),
            Col("on_hand", "qty_on_hand", "d3", null=False),
            Col("reserved", "qty_reserved", "d3", null=False),
            Col("min_qty", "min_qty", "d3", null=False),
            Col("last_move", "last_move_dt", "date"),
        ),
        natural=("item_id", "wh_id"),
    ),
    Table(
        "machine_log",
        TShiftLog,
        ("mach_code", "log_date", "shift_no"),
        (
            Col("mach_code", "machine_id", "ref", ref="m_machine", null=False),
            Col("log_date", "log_dt", "date", null=False),
            Col("shift_no", "shift", null=False),
            Col("emp_code", "emp_id", "ref", ref="m_emp"),
            Col("plan_min", "plan_min", "i", null=False),
            Col("output_qty", "output_qty", "d3", null=False),
            Col("reject_qty", "reject_qty", "d3", null=False),
            Col("downtime_min", "downtime_min", "d3", null=False),
            Col("error_code", "error_code"),
        ),
        natural=("machine_id", "log_dt", "shift"),
    ),
    Table(
        "work_order",
        TWo,
        ("wo_no",),
        (
            Col("wo_no", "doc_no", null=False),
            Col("item_code", "item_id", "ref", ref="m_item", null=False),
            Col("mach_code", "machine_id", "ref", ref="m_machine", null=False),
            Col("so_no", "so_id", "ref", ref="t_so"),
            Col("start_date", "start_dt", "date"),
            Col("end_date", "end_dt", "date"),
            Col("plan_qty", "plan_qty", "d3", null=False),
            Col("good_qty", "actual_qty", "d3", null=False),
            Col("reject_qty", "reject_qty", "d3", null=False),
            Col("wo_status", "status", "enum", codes=WO_STATUS, null=False),
        ),
        natural=("doc_no",),
    ),
    # The ERP numbers these documents itself (an AUTO_INCREMENT id) and the warehouse keeps no column for
    # it: sync_key holds the pairing; a row typed into the warehouse is adopted by its natural columns.
    Table(
        "stock_move",
        TInvMove,
        ("move_id",),
        (
            Col("item_code", "item_id", "ref", ref="m_item", null=False),
            Col("from_loc", "wh_from", "ref", ref="m_wh"),
            Col("to_loc", "wh_to", "ref", ref="m_wh"),
            Col("qty", "qty", "d3", null=False),
            Col("move_type", "move_type", "enum", codes=MOVE_TYPE, null=False),
            Col("move_date", "move_dt", "date", null=False),
            Col("ref_doc", "ref_doc"),
        ),
        natural=("item_id", "move_dt", "move_type", "qty"),
        extra_key=("move_id",),
    ),
    Table(
        "maint_job",
        TMaint,
        ("job_id",),
        (
            Col("mach_code", "machine_id", "ref", ref="m_machine", null=False),
            Col("job_date", "maint_dt", "date", null=False),
            Col("job_type", "maint_type", "enum", codes=MAINT_TYPE, null=False),
            Col("cost", "cost", "d2", null=False),
            Col("downtime_min", "downtime_min", "i", null=False),
            Col("remarks", "notes"),
        ),
        natural=("machine_id", "maint_dt", "maint_type"),
        extra_key=("job_id",),
    ),
    Table(
        "qc_check",
        TQc,
        ("qc_id",),
        (
            Col("wo_no", "wo_id", "ref", ref="t_wo", null=False),
            Col("check_date", "check_dt", "date", null=False),
            Col("sample_qty", "sample_size", "d3", null=False),
            Col("defect_qty", "defect_count", "d3", null=False),
            Col("grade", "grade", "enum", codes=QC_GRADE, null=False),
            Col("remarks", "notes"),
        ),
        natural=("wo_id", "check_dt"),
        extra_key=("qc_id",),
    ),
    Table(
        "cash_txn",
        TCash,
        ("txn_id",),
        (
            Col("txn_date", "txn_dt", "date", null=False),
            Col("bank_acct", "acct", null=False),
            Col("txn_type", "category", null=False),
            Col("amount", "amt", "d2", null=False),
            Col("ref_doc", "ref_doc"),
            Col("txn_status", "status", "enum", codes=CASH_STATUS, null=False),
            Col("remarks", "notes"),
        ),
        natural=("txn_dt", "acct", "category", "amt"),
        extra_key=("txn_id",),
    ),
)
BY_NAME = {t.erp: t for t in TABLES}
SCALE = {"d2": Decimal("0.01"), "d3": Decimal("0.001"), "dp": Decimal("0.01")}


def key_of(table: Table, erp_row: Row) -> str:
    """The ERP row's key as one string ("SO-202412-0001|2"): the sync's name for the row."""
    return "|".join(canon(erp_row[k]) for k in table.key)


def canon(value: Any) -> str:
    """A value as stable text (what keys and checksums are made of)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, datetime):
        return value.replace(microsecond=0, tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_warehouse_value(col: Col, value: Any, tz: ZoneInfo) -> Any:
    """One ERP value as the warehouse column takes it (refs stay codes: the loader resolves them)."""
    if value is None or (value == "" and col.kind not in ("s", "ref")):
        if not col.null:
            raise MappingError(f"{col.erp} is empty")
        return None
    try:
        if col.kind in SCALE:
            return Decimal(str(value)).quantize(SCALE[col.kind])
        if col.kind == "i":
            return int(value)
        if col.kind == "date":
            return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        if col.kind == "ts":
            local = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
            return local.replace(microsecond=0, tzinfo=tz).astimezone(UTC)  # the ERP keeps local time
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise MappingError(f"{col.erp}={value!r} is not a valid {col.kind}") from exc
    if col.kind == "enum":
        ours = dict(col.codes).get(str(value).strip().upper())
        if ours is None:
            raise MappingError(f"{col.erp}={value!r} is not a known status code")
        return ours
    return str(value).strip() if col.kind == "s" else str(value)


def to_erp_value(col: Col, value: Any, tz: ZoneInfo) -> Any:
    """One warehouse value as the ERP keeps it (refs must already be codes)."""
    if value is None:
        return None
    if col.kind in SCALE:
        return Decimal(str(value)).quantize(SCALE[col.kind])
    if col.kind == "ts":
        return value.astimezone(tz).replace(tzinfo=None, microsecond=0)
    if col.kind == "enum":
        back = {ours: letter for letter, ours in col.codes}
        if value not in back:
            raise MappingError(f"{col.wh}={value!r} has no ERP status code")
        return back[value]
    return value


def checksum_row(table: Table, erp_row: Row, tz: ZoneInfo) -> str:
    """The mapped columns of an ERP row, normalised through the mapping, as one comparable string."""
    parts = [canon(to_warehouse_value(c, erp_row.get(c.erp), tz)) for c in table.cols]
    return "\x1f".join([*parts, "D" if erp_row.get("deleted") else ""])
