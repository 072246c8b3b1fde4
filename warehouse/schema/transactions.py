"""Transaction (fact) tables, spec 1.2, plus t_cash for the cash position the assistant reports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.base import AuditMixin, Base, IdMixin, UuidMixin, active_index
from warehouse.types import BigId, Money, Pct, Qty


def open_index(table: str) -> Index:
    """Unpaid, active invoices or bills by due date: what ageing, due-soon and cash projection read."""
    where = text("paid_dt IS NULL AND deleted_at IS NULL")
    return Index(f"ix_{table}_open_due_dt", "due_dt", postgresql_where=where, sqlite_where=where)


_MOVE_TYPES = "move_type IN ('IN', 'OUT', 'TRANSFER', 'ADJUST')"


class TSo(IdMixin, UuidMixin, AuditMixin, Base):
    """A sales order header; total_amt is always the sum of its lines' line_amt."""

    __tablename__ = "t_so"
    __table_args__ = (
        active_index("t_so", "id"),
        active_index("t_so", "order_dt"),
        Index("ix_t_so_status_order_dt", "status", "order_dt"),
        Index("ix_t_so_updated_at", "updated_at"),  # the rollups' freshness check reads max(updated_at)
    )
    doc_no: Mapped[str] = mapped_column(String(20), unique=True)
    cust_id: Mapped[int] = mapped_column(BigId, ForeignKey("m_cust.id"), index=True)
    order_dt: Mapped[date] = mapped_column(Date)
    deadline_dt: Mapped[date | None] = mapped_column(Date)
    total_amt: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    disc_pct: Mapped[Decimal] = mapped_column(Pct, default=Decimal(0))
    # Draft -> Pending (awaiting approval) -> Approved -> Closed (delivered and invoiced); or Cancel.
    status: Mapped[str] = mapped_column(String(20), default="Draft")
    approved_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("adm_user.id"))
    approved_dt: Mapped[date | None] = mapped_column(Date)


class TSoDetail(IdMixin, AuditMixin, Base):
    """A sales order line; line_amt = qty * unit_price * (1 - disc_pct / 100)."""

    __tablename__ = "t_so_detail"
    __table_args__ = (Index("ix_t_so_detail_updated_at", "updated_at"),)
    so_id: Mapped[int] = mapped_column(BigId, ForeignKey("t_so.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("m_item.id"), index=True)
    qty: Mapped[Decimal] = mapped_column(Qty)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    disc_pct: Mapped[Decimal] = mapped_column(Pct, default=Decimal(0))
    line_amt: Mapped[Decimal] = mapped_column(Money)


class TDo(IdMixin, UuidMixin, AuditMixin, Base):
    """A delivery order for a sales order; status Pending, Shipped, In Transit or Delivered."""

    __tablename__ = "t_do"
    __table_args__ = (
        active_index("t_do", "id"),
        Index("ix_t_do_status_eta_dt", "status", "eta_dt"),
        Index("ix_t_do_status_actual_dt", "status", "actual_dt"),
    )
    doc_no: Mapped[str] = mapped_column(String(20), unique=True)
    so_id: Mapped[int] = mapped_column(BigId, ForeignKey("t_so.id"), index=True)
    driver_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("m_emp.id"))
    ship_dt: Mapped[date | None] = mapped_column(Date)
    eta_dt: Mapped[date | None] = mapped_column(Date)
    actual_dt: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="Pending")


class TPo(IdMixin, UuidMixin, AuditMixin, Base):
    """A purchase order; status Draft, Pending Director, Approved, Received or Cancel."""

    __tablename__ = "t_po"
    __table_args__ = (active_index("t_po", "id"), Index("ix_t_po_status_order_dt", "status", "order_dt"))
    doc_no: Mapped[str] = mapped_column(String(20), unique=True)
    vendor_id: Mapped[int] = mapped_column(BigId, ForeignKey("m_vendor.id"), index=True)
    order_dt: Mapped[date] = mapped_column(Date)
    expected_dt: Mapped[date | None] = mapped_column(Date)
    total_amt: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    approved_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("adm_user.id"))
    approved_dt: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="Draft")


class TPoDetail(IdMixin, AuditMixin, Base):
    """A purchase order line."""

    __tablename__ = "t_po_detail"
    po_id: Mapped[int] = mapped_column(BigId, ForeignKey("t_po.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("m_item.id"), index=True)
    qty: Mapped[Decimal] = mapped_column(Qty)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    line_amt: Mapped[Decimal] = mapped_column(Money)


class TWo(IdMixin, UuidMixin, AuditMixin, Base):
    """A work (production) order on one machine; status Scheduled, In Progress or Completed."""

    __tablename__ = "t_wo"
    __table_args__ = (active_index("t_wo", "id"),)
    doc_no: Mapped[str] = mapped_column(String(20), unique=True)
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("m_item.id"), index=True)
    machine_id: Mapped[int] = mapped_column(BigId, ForeignKey("m_machine.id"), index=True)
    so_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("t_so.id"))
    start_dt: Mapped[date | None] = mapped_column(Date)
    end_dt: Mapped[date | None] = mapped_column(Date)
    plan_qty: Mapped[Decimal] = mapped_column(Qty)
    actual_qty: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))
    reject_qty: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))
    status: Mapped[str] = mapped_column(String(20), default="Scheduled", index=True)


class TInv(IdMixin, AuditMixin, Base):
    """Stock of one item in one warehouse; available = qty_on_hand - qty_reserved."""

    __tablename__ = "t_inv"
    __table_args__ = (UniqueConstraint("item_id", "wh_id"),)
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("m_item.id"))
    wh_id: Mapped[int] = mapped_column(BigId, ForeignKey("m_wh.id"), index=True)
    qty_on_hand: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))
    qty_reserved: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))
    min_qty: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))  # reorder point (available below it)
    last_move_dt: Mapped[date | None] = mapped_column(Date)


class TInvMove(IdMixin, AuditMixin, Base):
    """A stock movement: IN (wh_to), OUT (wh_from), TRANSFER (both) or ADJUST."""

    __tablename__ = "t_inv_move"
    __table_args__ = (
        CheckConstraint(_MOVE_TYPES, name="move_type"),
        Index("ix_t_inv_move_item_id_move_dt", "item_id", "move_dt"),
    )
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("m_item.id"))
    wh_from: Mapped[int | None] = mapped_column(BigId, ForeignKey("m_wh.id"))
    wh_to: Mapped[int | None] = mapped_column(BigId, ForeignKey("m_wh.id"))
    qty: Mapped[Decimal] = mapped_column(Qty)
    move_type: Mapped[str] = mapped_column(String(10))
    move_dt: Mapped[date] = mapped_column(Date)
    ref_doc: Mapped[str | None] = mapped_column(String(20))  # SO/PO/DO/WO document number


class TAr(IdMixin, AuditMixin, Base):
    """A receivable raised by a sales order; status Open, Paid or Overdue is derived from due_dt."""

    __tablename__ = "t_ar"
    __table_args__ = (Index("ix_t_ar_status_due_dt", "status", "due_dt"), open_index("t_ar"))
    inv_no: Mapped[str] = mapped_column(String(20), unique=True)
    so_id: Mapped[int] = mapped_column(BigId, ForeignKey("t_so.id"), index=True)
    cust_id: Mapped[int] = mapped_column(BigId, ForeignKey("m_cust.id"), index=True)
    inv_dt: Mapped[date] = mapped_column(Date)
    amt: Mapped[Decimal] = mapped_column(Money)
    due_dt: Mapped[date] = mapped_column(Date)
    paid_dt: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="Open")


class TAp(IdMixin, AuditMixin, Base):
    """A payable raised by a purchase order."""

    __tablename__ = "t_ap"
    __table_args__ = (Index("ix_t_ap_status_due_dt", "status", "due_dt"), open_index("t_ap"))
    bill_no: Mapped[str] = mapped_column(String(30), unique=True)
    po_id: Mapped[int] = mapped_column(BigId, ForeignKey("t_po.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(BigId, ForeignKey("m_vendor.id"), index=True)
    amt: Mapped[Decimal] = mapped_column(Money)
    due_dt: Mapped[date] = mapped_column(Date)
    paid_dt: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="Open")


class TMaint(IdMixin, AuditMixin, Base):
    """A maintenance job on a machine: Preventive or Corrective."""

    __tablename__ = "t_maint"
    __table_args__ = (Index("ix_t_maint_machine_id_maint_dt", "machine_id", "maint_dt"),)
    machine_id: Mapped[int] = mapped_column(BigId, ForeignKey("m_machine.id"))
    maint_dt: Mapped[date] = mapped_column(Date)
    maint_type: Mapped[str] = mapped_column(String(20))
    cost: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    downtime_min: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str | None] = mapped_column(Text)


class TQc(IdMixin, AuditMixin, Base):
    """A quality check of a work order's output; grade A, B, C or Reject."""

    __tablename__ = "t_qc"
    wo_id: Mapped[int] = mapped_column(BigId, ForeignKey("t_wo.id"), index=True)
    check_dt: Mapped[date] = mapped_column(Date)
    sample_size: Mapped[Decimal] = mapped_column(Qty)
    defect_count: Mapped[Decimal] = mapped_column(Qty)
    grade: Mapped[str] = mapped_column(String(10))
    notes: Mapped[str | None] = mapped_column(Text)


class TShiftLog(IdMixin, AuditMixin, Base):
    """Production of one machine in one shift: output (good + reject), rejects, downtime, error code."""

    __tablename__ = "t_shift_log"
    __table_args__ = (
        UniqueConstraint("machine_id", "log_dt", "shift"),
        Index("ix_t_shift_log_log_dt", "log_dt"),
        Index("ix_t_shift_log_updated_at", "updated_at"),
    )
    machine_id: Mapped[int] = mapped_column(BigId, ForeignKey("m_machine.id"))
    emp_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("m_emp.id"))
    log_dt: Mapped[date] = mapped_column(Date)
    shift: Mapped[str] = mapped_column(String(1))
    plan_min: Mapped[int] = mapped_column(Integer, default=480)  # planned production time of the shift
    output_qty: Mapped[Decimal] = mapped_column(Qty)
    reject_qty: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))
    downtime_min: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))
    error_code: Mapped[str | None] = mapped_column(String(20))


class TCash(IdMixin, AuditMixin, Base):
    """A cash book entry (signed amount); Posted entries make the balance, Planned ones the projection."""

    __tablename__ = "t_cash"
    __table_args__ = (Index("ix_t_cash_status_txn_dt", "status", "txn_dt"),)
    txn_dt: Mapped[date] = mapped_column(Date)
    acct: Mapped[str] = mapped_column(String(30))
    category: Mapped[str] = mapped_column(String(30))  # OPENING, AR_RECEIPT, AP_PAYMENT, PAYROLL, TAX, OPEX
    amt: Mapped[Decimal] = mapped_column(Money)
    ref_doc: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10), default="Posted")
    notes: Mapped[str | None] = mapped_column(Text)
