"""ERP sync state (issue 14): per-table watermarks, the ERP-key to warehouse-id map, dead letters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.base import Base, IdMixin
from warehouse.types import BigId, UTCDateTime, utcnow


class SyncWatermark(Base):
    """Per ERP table: the (last_modified, key) of the last row whose event was acknowledged."""

    __tablename__ = "sync_watermark"
    erp_table: Mapped[str] = mapped_column(String(40), primary_key=True)
    # The ERP's own local wall-clock time, ISO text: compared with the ERP's column, never converted.
    last_ts: Mapped[str] = mapped_column(String(32))
    last_key: Mapped[str] = mapped_column(String(200))
    rows_total: Mapped[int] = mapped_column(BigId, default=0)  # events published for this table so far
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SyncKey(Base):
    """One ERP row's warehouse row, and the ERP version last applied to it (replays apply nothing older)."""

    __tablename__ = "sync_key"
    erp_table: Mapped[str] = mapped_column(String(40), primary_key=True)
    erp_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    wh_id: Mapped[int] = mapped_column(BigId, index=True)
    src_ts: Mapped[str] = mapped_column(String(32))  # the ERP's last_modified (local ISO) last applied
    src_hash: Mapped[str] = mapped_column(String(80), default="")  # its message id: a re-read is a no-op
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SyncDead(IdMixin, Base):
    """A change event the loader gave up on after N attempts, with the reason (`sentient sync status`)."""

    __tablename__ = "sync_dead"
    msg_id: Mapped[str] = mapped_column(String(80), unique=True)
    erp_table: Mapped[str] = mapped_column(String(40))
    erp_key: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SyncRun(IdMixin, Base):
    """One extract-load cycle: what it moved, how long it took, and the lag from ERP change to warehouse."""

    __tablename__ = "sync_run"
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mode: Mapped[str] = mapped_column(String(10))  # inproc | nats
    extracted: Mapped[int] = mapped_column(Integer, default=0)
    loaded: Mapped[int] = mapped_column(Integer, default=0)
    dead: Mapped[int] = mapped_column(Integer, default=0)
    lag_s: Mapped[float | None] = mapped_column(Float)  # oldest unsynced ERP change to its commit, seconds
    error: Mapped[str | None] = mapped_column(Text)
