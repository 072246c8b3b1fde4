"""Declarative base and the column mixins that encode the spec's design rules (section 1.6)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Identity, Index, MetaData, Uuid, func, text
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from warehouse.types import BigId, UTCDateTime, utcnow

# Deterministic constraint names, so migrations are reproducible on both databases.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every warehouse table."""

    metadata = MetaData(naming_convention=NAMING)


class IdMixin:
    """BIGINT identity primary key, used for joins only and never shown to users."""

    # BY DEFAULT (not ALWAYS) so bulk loads and ERP syncs may carry their own keys.
    id: Mapped[int] = mapped_column(BigId, Identity(always=False), primary_key=True, sort_order=-10)


class UuidMixin:
    """The external identifier of rows that users and APIs see."""

    # The PostgreSQL migration adds DEFAULT gen_random_uuid() for rows written outside the ORM.
    uuid: Mapped[uuid.UUID] = mapped_column(
        Uuid, unique=True, nullable=False, default=uuid.uuid4, sort_order=-9
    )


def _user_fk() -> ForeignKey:
    return ForeignKey("adm_user.id", use_alter=True)


class CreatedMixin:
    """Who created a row and when."""

    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime,
        nullable=False,
        default=utcnow,
        server_default=func.current_timestamp(),
        sort_order=100,
    )

    @declared_attr
    def created_by(cls) -> Mapped[int | None]:
        return mapped_column(BigId, _user_fk(), nullable=True, sort_order=101)


class UpdatedMixin:
    """Who changed a row last and when (a trigger keeps updated_at honest on PostgreSQL)."""

    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime,
        nullable=False,
        default=utcnow,
        onupdate=utcnow,
        server_default=func.current_timestamp(),
        sort_order=102,
    )

    @declared_attr
    def updated_by(cls) -> Mapped[int | None]:
        return mapped_column(BigId, _user_fk(), nullable=True, sort_order=103)


class SoftDeleteMixin:
    """Soft delete: NULL deleted_at means the row is active."""

    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, sort_order=104)

    @declared_attr
    def deleted_by(cls) -> Mapped[int | None]:
        return mapped_column(BigId, _user_fk(), nullable=True, sort_order=105)


class AuditMixin(CreatedMixin, UpdatedMixin, SoftDeleteMixin):
    """The spec's mandatory audit columns for every master and transaction table."""


def active_index(table: str, *columns: str) -> Index:
    """A partial index over active rows only (deleted_at IS NULL), as the spec's soft-delete rule asks."""
    where = text("deleted_at IS NULL")
    name = f"ix_{table}_active" if columns == ("id",) else f"ix_{table}_{'_'.join(columns)}_active"
    return Index(name, *columns, postgresql_where=where, sqlite_where=where)
