"""Bulk loading with explicit ids: COPY on PostgreSQL, chunked executemany on SQLite, one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any, Protocol

from sqlalchemy import Connection, func, insert, select, text

from warehouse.base import Base

Row = tuple[Any, ...]
SQLITE_CHUNK = 5_000


class BulkWriter(Protocol):
    """Appends rows to tables inside the caller's transaction and counts them."""

    rows: Counter[str]

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> None:
        """Insert `rows` (tuples in the order of `columns`) into `table`."""


class PgCopyWriter:
    """COPY FROM STDIN through psycopg 3 on the transaction's own connection."""

    def __init__(self, conn: Connection) -> None:
        self.rows: Counter[str] = Counter()
        self._cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> None:
        """Stream `rows` into `table` with one COPY."""
        n = 0
        with self._cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        self.rows[table] += n


class SqliteWriter:
    """executemany in chunks; SQLAlchemy's column types convert dates, money and UTC timestamps."""

    def __init__(self, conn: Connection) -> None:
        self.rows: Counter[str] = Counter()
        self._conn = conn

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> None:
        """Insert `rows` into `table`, SQLITE_CHUNK at a time."""
        stmt = insert(Base.metadata.tables[table])
        it = iter(rows)
        while chunk := [dict(zip(columns, row, strict=True)) for row in islice(it, SQLITE_CHUNK)]:
            self._conn.execute(stmt, chunk)
            self.rows[table] += len(chunk)


def open_writer(conn: Connection) -> BulkWriter:
    """The fastest writer for the connection's database."""
    return PgCopyWriter(conn) if conn.dialect.name == "postgresql" else SqliteWriter(conn)


def next_ids(conn: Connection, tables: Iterable[str]) -> dict[str, int]:
    """max(id) + 1 of each table: explicit ids let children reference parents without a round trip."""
    meta = Base.metadata.tables
    return {t: int(conn.scalar(select(func.coalesce(func.max(meta[t].c.id), 0))) or 0) + 1 for t in tables}


def reset_sequences(conn: Connection, tables: Iterable[str]) -> None:
    """Move PostgreSQL identity sequences past the explicit ids, so later inserts do not collide."""
    if conn.dialect.name != "postgresql":
        return  # SQLite numbers new rows from max(rowid) + 1 by itself
    for table in tables:
        conn.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        )


def analyze(conn: Connection, tables: Iterable[str]) -> None:
    """Refresh planner statistics after a bulk load (PostgreSQL; SQLite's ANALYZE on all tables)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ANALYZE {', '.join(tables)}"))
    else:
        conn.execute(text("ANALYZE"))
