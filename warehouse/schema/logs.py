"""Event logs, spec 1.2 and 1.7: status history, SLA tracking and the audit trail (append-only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.base import Base, IdMixin
from warehouse.types import BigId, UTCDateTime, utcnow


class LogStatus(IdMixin, Base):
    """One status change of an SO, DO, PO, WO, AR or AP row."""

    __tablename__ = "log_status"
    __table_args__ = (Index("ix_log_status_entity", "entity_type", "entity_id"),)
    entity_type: Mapped[str] = mapped_column(String(10))
    entity_id: Mapped[int] = mapped_column(BigId)
    old_status: Mapped[str | None] = mapped_column(String(20))
    new_status: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("adm_user.id"))
    duration_min: Mapped[int | None] = mapped_column(Integer)  # time spent in the previous status
    notes: Mapped[str | None] = mapped_column(Text)


class LogSla(IdMixin, Base):
    """An SLA clock (Approval, Processing, Delivery) on an SO, DO, PO or WO."""

    __tablename__ = "log_sla"
    __table_args__ = (
        Index("ix_log_sla_entity", "entity_type", "entity_id"),
        Index("ix_log_sla_is_breached_target_at", "is_breached", "target_at"),
    )
    entity_type: Mapped[str] = mapped_column(String(10))
    entity_id: Mapped[int] = mapped_column(BigId)
    sla_type: Mapped[str] = mapped_column(String(20))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    target_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    target_min: Mapped[int] = mapped_column(Integer)
    actual_min: Mapped[int | None] = mapped_column(Integer)
    is_breached: Mapped[bool] = mapped_column(Boolean, default=False)


class LogAudit(IdMixin, Base):
    """Who did what, when and from where; rows are never updated or deleted."""

    __tablename__ = "log_audit"
    __table_args__ = (Index("ix_log_audit_created_at", "created_at"),)
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("adm_user.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    entity_type: Mapped[str | None] = mapped_column(String(30))
    entity_id: Mapped[int | None] = mapped_column(BigId)
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
