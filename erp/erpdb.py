"""The legacy ERP's schema (its own naming, local-time DATETIMEs, DECIMAL money) and connections to it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    CHAR,
    DECIMAL,
    Column,
    Date,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    create_engine,
    event,
)
from sqlalchemy import Table as SaTable
from sqlalchemy.engine import make_url
from sqlalchemy.types import TypeEngine

from erp.mapping import TABLES, Col, Table

_TYPES: dict[str, TypeEngine[Any]] = {
    "s": String(150),
    "i": Integer(),
    "d2": DECIMAL(18, 2),
    "d3": DECIMAL(18, 3),
    "dp": DECIMAL(7, 2),
    "date": Date(),
    "ts": DateTime(),
    "ref": String(20),
    "enum": CHAR(1),
}


def _column(col: Col, key: tuple[str, ...]) -> Column[Any]:
    return Column(col.erp, _TYPES[col.kind], primary_key=col.erp in key, nullable=col.null)


def erp_metadata() -> MetaData:
    """The ERP's tables: key, mapped columns, last_modified (local time) and a deleted flag."""
    meta = MetaData()
    for table in TABLES:
        cols = [_column(c, table.key) for c in table.cols]
        cols += [Column(k, Integer, primary_key=True, autoincrement=False) for k in table.extra_key]
        cols += [
            Column("last_modified", DateTime, nullable=False),
            Column("deleted", SmallInteger, default=0),
        ]
        # The extractor reads in (last_modified, key) order from a watermark: this index serves it.
        SaTable(table.erp, meta, *cols, Index(f"ix_{table.erp}_last_modified", "last_modified", *table.key))
    return meta


ERP_META = erp_metadata()


def erp_table(table: Table) -> SaTable:
    """The ERP's SQLAlchemy table for one mapped table."""
    return ERP_META.tables[table.erp]


def erp_engine(url: str, read_only: bool = True) -> Engine:
    """An engine on the ERP; mysql:// means PyMySQL. read_only: every session is READ ONLY (never writes)."""
    parsed = make_url(url)
    if parsed.drivername in ("mysql", "mariadb"):
        parsed = parsed.set(drivername="mysql+pymysql")
    engine = create_engine(parsed, pool_pre_ping=True, pool_recycle=1800)
    if read_only and engine.dialect.name == "mysql":

        @event.listens_for(engine, "connect")
        def _read_only(dbapi_conn: Any, _record: Any) -> None:
            with dbapi_conn.cursor() as cur:
                cur.execute("SET SESSION TRANSACTION READ ONLY")

    return engine
