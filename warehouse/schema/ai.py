"""AI tables, spec 1.5: insights, the chat log, proactive alerts, RFM and vendor scores."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.base import Base, CreatedMixin, IdMixin, UuidMixin
from warehouse.types import BigId, Money, Pct, UTCDateTime, utcnow


class AiInsight(IdMixin, UuidMixin, CreatedMixin, Base):
    """An analysis result with its risk level and the data snapshot it was based on."""

    __tablename__ = "ai_insight"
    module: Mapped[str] = mapped_column(String(10))
    risk: Mapped[str] = mapped_column(String(10))  # Low, Med, High, Critical
    context_json: Mapped[str | None] = mapped_column(Text)
    reasoning: Mapped[str | None] = mapped_column(Text)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)


class AiChat(IdMixin, Base):
    """One chat turn (WhatsApp, web or CLI): message in, answer out, tokens and latency."""

    __tablename__ = "ai_chat"
    # request_id: a retried WhatsApp message finds its logged answer, a spooled row its earlier write.
    __table_args__ = (
        Index("ix_ai_chat_user_id_ts", "user_id", "ts"),
        Index("ix_ai_chat_request_id", "request_id"),
    )
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("adm_user.id"))
    phone: Mapped[str | None] = mapped_column(String(16))
    user_role: Mapped[str | None] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10), default="wa")
    lang: Mapped[str | None] = mapped_column(String(2))
    mode: Mapped[str | None] = mapped_column(String(15))  # llm, deterministic, fallback
    msg_in: Mapped[str] = mapped_column(Text)
    msg_out: Mapped[str | None] = mapped_column(Text)
    tokens_used: Mapped[int] = mapped_column(Integer, default=0)
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    request_id: Mapped[str | None] = mapped_column(String(64))
    ts: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The LLM path (migration 0005): why a turn fell back, which model and prompt version answered.
    reason: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(80))
    prompt_version: Mapped[str | None] = mapped_column(String(20))
    ttft_ms: Mapped[int | None] = mapped_column(Integer)


class AiAlert(IdMixin, UuidMixin, Base):
    """A proactive alert; active while neither read nor cleared, deduplicated by dedup_key."""

    __tablename__ = "ai_alert"
    __table_args__ = (
        # At most one open alert per condition: the same condition does not alert twice.
        Index(
            "uq_ai_alert_open_dedup_key",
            "dedup_key",
            unique=True,
            postgresql_where=text("cleared_at IS NULL"),
            sqlite_where=text("cleared_at IS NULL"),
        ),
    )
    module: Mapped[str] = mapped_column(String(10))  # SO, PO, WO, INV, FIN, MAINT
    alert_type: Mapped[str] = mapped_column(String(20))  # ANOMALY, CASHFLOW, OVERDUE, STOCK, ...
    severity: Mapped[str] = mapped_column(String(10))  # Critical, High, Medium, Low
    message: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(10), default="WA")
    dedup_key: Mapped[str | None] = mapped_column(String(120))
    sent: Mapped[bool] = mapped_column(Boolean, default=False)
    is_read: Mapped[bool] = mapped_column(Boolean, default=False)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AiRfm(IdMixin, Base):
    """Recency, frequency and monetary score of a customer on a calculation date."""

    __tablename__ = "ai_rfm"
    __table_args__ = (UniqueConstraint("cust_id", "calc_dt"),)
    cust_id: Mapped[int] = mapped_column(BigId, ForeignKey("m_cust.id"))
    recency_days: Mapped[int] = mapped_column(Integer)
    frequency_count: Mapped[int] = mapped_column(Integer)
    monetary_total: Mapped[Decimal] = mapped_column(Money)
    segment: Mapped[str] = mapped_column(String(10))  # VIP, Loyal, AtRisk, Lost
    calc_dt: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AiVendorScore(IdMixin, Base):
    """A vendor's delivery, quality and price-trend score on a calculation date."""

    __tablename__ = "ai_vendor_score"
    __table_args__ = (UniqueConstraint("vendor_id", "calc_dt"),)
    vendor_id: Mapped[int] = mapped_column(BigId, ForeignKey("m_vendor.id"))
    otd_score: Mapped[Decimal] = mapped_column(Pct)
    quality_score: Mapped[Decimal] = mapped_column(Pct)
    price_trend: Mapped[str] = mapped_column(String(10))  # Up, Down, Stable
    risk_news: Mapped[str | None] = mapped_column(Text)
    calc_dt: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
