"""`sentient erp demo init`: a legacy ERP holding the same business as `sentient seed`, in its own naming."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, insert, literal, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from erp.erpdb import ERP_META, erp_table
from erp.mapping import CODE_COLUMN, TABLES, Row, Table, to_erp_value
from warehouse.base import Base
from warehouse.seed.base import seed_base

READER = "sentient_ro"  # the read-only account `erp demo init` creates for the extractor
_ACCOUNT = re.compile(r"[A-Za-z0-9_]{1,32}")


def code_maps(session: Session, tables: set[str]) -> dict[str, dict[int, str]]:
    """id -> business code of each warehouse table a ref names."""
    out: dict[str, dict[int, str]] = {}
    for name in tables:
        wh = Base.metadata.tables[name]
        out[name] = {r[0]: r[1] for r in session.execute(select(wh.c.id, wh.c[CODE_COLUMN[name]]))}
    return out


def erp_rows(
    session: Session, table: Table, tz: ZoneInfo, line_no: dict[int, int] | None = None
) -> Iterator[tuple[int, Row]]:
    """Warehouse rows of one mapped table as ERP rows (with their warehouse id), through the mapping."""
    codes = code_maps(session, {c.ref for c in table.cols if c.kind == "ref"})
    wh = Base.metadata.tables[table.wh]
    for rec in session.execute(select(wh).order_by(wh.c.id)).mappings():
        row: Row = {}
        for col in table.cols:
            value = rec[col.wh]
            if col.kind == "ref":
                value = codes[col.ref].get(value) if value is not None else None
            row[col.erp] = to_erp_value(col, value, tz)
        for extra in table.extra_key:  # the ERP's own number: by id order (see line_numbers)
            row[extra] = (line_no or {}).get(rec["id"])
        row["deleted"] = 1 if rec["deleted_at"] is not None else 0
        row["last_modified"] = rec["updated_at"].astimezone(tz).replace(tzinfo=None, microsecond=0)
        yield rec["id"], row


def line_numbers(session: Session, table: Table) -> dict[int, int]:
    """Row id -> the ERP's number for it, in id order from 1: within its document for lines (so_id,
    po_id), across the table for the ERP's own ids (stock_move.move_id, cash_txn.txn_id ...)."""
    wh = Base.metadata.tables[table.wh]
    within = table.number_within
    parent = wh.c[within] if within else literal(0)
    counter: dict[int, int] = defaultdict(int)
    out: dict[int, int] = {}
    for line_id, doc_id in session.execute(select(wh.c.id, parent).order_by(parent, wh.c.id)):
        counter[doc_id] += 1
        out[line_id] = counter[doc_id]
    return out


def seeded_business(today: date, tz: ZoneInfo) -> dict[str, list[Row]]:
    """The sample business of `sentient seed` (same generator, same day) as ERP rows per ERP table."""
    engine = create_engine("sqlite://", poolclass=StaticPool)
    Base.metadata.create_all(engine)
    seed_base(engine, today, tz)
    with Session(engine) as session:
        out = {}
        for t in TABLES:
            lines = line_numbers(session, t) if t.extra_key else None
            out[t.erp] = [row for _id, row in erp_rows(session, t, tz, lines)]
    engine.dispose()
    return out


def init_demo(
    engine: Engine, today: date, tz: ZoneInfo, reader_password: str | None = None, reader: str = READER
) -> dict[str, int]:
    """(Re)create the ERP's tables, fill them with the sample business; returns rows per table.

    With `reader_password` (MariaDB/MySQL) the SELECT-only account `reader` is created or given it. The
    account is the server's, not the database's: two demo ERPs on one server (tests running side by side)
    each name their own, or each init would change the other's password.
    """
    if not _ACCOUNT.fullmatch(reader):
        raise ValueError(f"account name {reader!r}: letters, digits and _ only, at most 32")
    if reader_password == "":
        raise ValueError(f"the {READER} account needs a password")  # never an open account on the ERP
    business = seeded_business(today, tz)
    ERP_META.drop_all(engine)
    ERP_META.create_all(engine)
    with engine.begin() as conn:
        for table in TABLES:
            if business[table.erp]:
                conn.execute(insert(erp_table(table)), business[table.erp])
        if conn.dialect.name == "mysql" and reader_password is not None:
            _grant_reader(conn, reader, reader_password)
    return {name: len(rows) for name, rows in business.items()}


def _grant_reader(conn: Any, reader: str, password: str) -> None:
    """A SELECT-only account on the ERP database: the extractor cannot write even by mistake."""
    db = conn.execute(text("SELECT DATABASE()")).scalar_one()
    # The name is checked against _ACCOUNT (identifiers cannot be bound); the password is bound.
    conn.execute(text(f"CREATE USER IF NOT EXISTS '{reader}'@'%' IDENTIFIED BY :pw"), {"pw": password})
    # An account left by an earlier init keeps its old (perhaps empty) password without this.
    conn.execute(text(f"ALTER USER '{reader}'@'%' IDENTIFIED BY :pw"), {"pw": password})
    conn.execute(text(f"GRANT SELECT ON `{db}`.* TO '{reader}'@'%'"))
