"""Master (dimension) tables, spec 1.1: customers, items, vendors, machines, employees, warehouses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.base import AuditMixin, Base, IdMixin, active_index
from warehouse.types import Money, Pct, Qty


class MCust(IdMixin, AuditMixin, Base):
    """A customer; segment is VIP or Regular."""

    __tablename__ = "m_cust"
    __table_args__ = (active_index("m_cust", "id"),)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(150), index=True)
    addr: Mapped[str | None] = mapped_column(String(255))
    segment: Mapped[str] = mapped_column(String(20), default="Regular")
    credit_lim: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    pay_terms: Mapped[int] = mapped_column(Integer, default=30)  # days until an invoice is due
    last_order_dt: Mapped[date | None] = mapped_column(Date)


class MItem(IdMixin, AuditMixin, Base):
    """A product, component or raw material."""

    __tablename__ = "m_item"
    __table_args__ = (active_index("m_item", "id"),)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(150), index=True)
    category: Mapped[str] = mapped_column(String(50))
    std_cost: Mapped[Decimal] = mapped_column(Money)
    sell_price: Mapped[Decimal | None] = mapped_column(Money)  # NULL: not sold (raw material)
    uom: Mapped[str] = mapped_column(String(10))


class MVendor(IdMixin, AuditMixin, Base):
    """A supplier with its delivery and quality scores (percent)."""

    __tablename__ = "m_vendor"
    __table_args__ = (active_index("m_vendor", "id"),)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(150), index=True)
    addr: Mapped[str | None] = mapped_column(String(255))
    bank_acc: Mapped[str | None] = mapped_column(String(50))
    otd_score: Mapped[Decimal | None] = mapped_column(Pct)
    quality_score: Mapped[Decimal | None] = mapped_column(Pct)
    pay_terms: Mapped[int] = mapped_column(Integer, default=30)


class MMachine(IdMixin, AuditMixin, Base):
    """A machine on the shop floor; cap_per_hr is its rated output per hour."""

    __tablename__ = "m_machine"
    __table_args__ = (active_index("m_machine", "id"),)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(150), index=True)
    model: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(100))
    cap_per_hr: Mapped[Decimal] = mapped_column(Qty)
    run_hours: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))
    last_maint_dt: Mapped[date | None] = mapped_column(Date)
    maint_int_days: Mapped[int] = mapped_column(Integer, default=30)  # preventive maintenance interval
    status: Mapped[str] = mapped_column(String(20), default="Running")


class MEmp(IdMixin, AuditMixin, Base):
    """An employee: operators, drivers, staff."""

    __tablename__ = "m_emp"
    __table_args__ = (active_index("m_emp", "id"),)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(150))
    dept: Mapped[str | None] = mapped_column(String(50))
    position: Mapped[str | None] = mapped_column(String(50))
    shift: Mapped[str | None] = mapped_column(String(1))


class MWh(IdMixin, AuditMixin, Base):
    """A warehouse or stock location."""

    __tablename__ = "m_wh"
    __table_args__ = (active_index("m_wh", "id"),)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(150))
    zone: Mapped[str | None] = mapped_column(String(5))
    capacity_m3: Mapped[Decimal | None] = mapped_column(Qty)
