"""Column types shared by every table, portable between PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Integer, Numeric
from sqlalchemy.types import TypeDecorator

# BIGINT identity on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the auto-numbered rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")

# NUMERIC for money and quantities. SQLite keeps these as REAL; SQLAlchemy rounds them back to the
# column's scale on read, which is exact for the magnitudes a factory books (< 10^13 rupiah).
Money = Numeric(18, 2)
Qty = Numeric(18, 3)
Pct = Numeric(7, 2)


class UTCDateTime(TypeDecorator[datetime]):
    """TIMESTAMPTZ stored in UTC; always returns timezone-aware UTC datetimes, SQLite included."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a TIMESTAMPTZ column; pass an aware datetime")
        value = value.astimezone(UTC)
        # SQLite has no time zones: store the UTC wall time and re-attach UTC on read.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # server defaults written by SQLite itself come back as text
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)
