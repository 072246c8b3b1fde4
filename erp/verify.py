"""`sentient sync verify`: ERP and warehouse compared per table (row counts, checksum of mapped columns)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from erp.demo import erp_rows, line_numbers
from erp.erpdb import erp_table
from erp.mapping import TABLES, MappingError, Table, checksum_row, key_of
from warehouse.schema import SyncKey


@dataclass
class TableDiff:
    """One table's comparison."""

    table: str
    erp_rows: int
    wh_rows: int
    erp_sum: str
    wh_sum: str
    differing: list[str] = field(default_factory=list)  # the first differing keys

    @property
    def equal(self) -> bool:
        """Whether both sides hold the same rows with the same mapped values."""
        return self.erp_rows == self.wh_rows and self.erp_sum == self.wh_sum


def _digest(rows: dict[str, str]) -> str:
    h = hashlib.sha256()
    for key in sorted(rows):
        h.update(f"{key}\x1e{rows[key]}\x1d".encode())
    return h.hexdigest()[:16]


def erp_side(erp: Engine, table: Table, tz: ZoneInfo) -> dict[str, str]:
    """key -> checksum text of every ERP row (soft-deleted ones too: their flag is compared)."""
    with erp.connect() as conn:
        rows = conn.execute(select(erp_table(table))).mappings().all()
    return {key_of(table, dict(r)): _checksum(table, dict(r), tz) for r in rows}


def _checksum(table: Table, row: dict[str, object], tz: ZoneInfo) -> str:
    try:
        return checksum_row(table, row, tz)
    except MappingError as exc:  # a poison row: it differs from whatever the warehouse holds
        return f"unmappable: {exc}"


def warehouse_side(wh: Engine, table: Table, tz: ZoneInfo) -> dict[str, str]:
    """key -> checksum text of every warehouse row of the table, through the mapping read backwards."""
    with Session(wh) as session:
        synced = session.scalars(select(SyncKey).where(SyncKey.erp_table == table.erp)).all()
        keys = {k.wh_id: k.erp_key for k in synced}
        # Rows DELETEd in the ERP stay in the warehouse, soft-deleted (reconciliation): the ERP has no row
        # to compare them with.
        gone = {k.wh_id for k in synced if ":gone:" in k.src_hash}
        lines = line_numbers(session, table) if table.extra_key else None
        out: dict[str, str] = {}
        for wh_id, row in erp_rows(session, table, tz, lines):
            if wh_id in gone and row["deleted"]:
                continue
            # A row the sync never wrote (seeded, typed in) is named by its own columns; a second row under
            # one key (a doubled row) is kept apart, so it shows as a difference instead of hiding.
            key = keys.get(wh_id) or key_of(table, row)
            out[key if key not in out else f"{key} (again: warehouse id {wh_id})"] = checksum_row(
                table, row, tz
            )
    return out


def verify(
    erp: Engine, wh: Engine, tz: ZoneInfo, tables: tuple[str, ...] | None = None, show: int = 5
) -> list[TableDiff]:
    """Compare every mapped table; each result lists up to `show` differing keys."""
    out = []
    for table in TABLES:
        if tables and table.erp not in tables:
            continue
        left, right = erp_side(erp, table, tz), warehouse_side(wh, table, tz)
        diff = sorted(k for k in left.keys() | right.keys() if left.get(k) != right.get(k))
        out.append(TableDiff(table.erp, len(left), len(right), _digest(left), _digest(right), diff[:show]))
    return out
