"""ERP sync in process (issue 14): a MariaDB ERP with the sample business -> an empty warehouse, verified."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from erp.demo import init_demo
from erp.erpdb import erp_table
from erp.mapping import BY_NAME, TABLES
from erp.pipeline import Options, run_once
from erp.simulate import simulate
from erp.verify import verify
from tests.erputil import fresh_erp
from warehouse.schema import (
    MCust,
    SyncDead,
    SyncKey,
    SyncWatermark,
    TAr,
    TCash,
    TInvMove,
    TMaint,
    TQc,
    TSo,
    TSoDetail,
    TWo,
)
from warehouse.seed.base import seed_base
from warehouse.seed.calendar import SPEC_TODAY

TZ = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def erp() -> Iterator[tuple[Engine, Engine]]:
    """(writer, read-only reader) on a fresh MariaDB ERP holding the sample business."""
    with fresh_erp() as (writer, reader):
        init_demo(writer, SPEC_TODAY, TZ)
        yield writer, reader


def _touch(writer: Engine, table: str, where: str, **values: object) -> None:
    """An ERP user's edit: the row changes and last_modified moves to now (local time)."""
    now = datetime.now(TZ).replace(tzinfo=None, microsecond=0)
    with writer.begin() as conn:
        conn.execute(update(erp_table(BY_NAME[table])).where(text(where)).values(**values, last_modified=now))


def test_first_sync_into_an_empty_warehouse_verifies_equal(
    erp: tuple[Engine, Engine], empty_engine: Engine
) -> None:
    _writer, reader = erp
    report = run_once(reader, empty_engine, TZ)
    assert report.dead == 0 and report.applied == report.extracted == 458
    assert all(d.equal for d in verify(reader, empty_engine, TZ)), verify(reader, empty_engine, TZ)
    again = run_once(reader, empty_engine, TZ)  # the overlap window re-reads every row: none is rewritten
    assert again.extracted == 458 and (again.applied, again.stale) == (0, 458)
    # The same business as `sentient seed`: overdue receivables and open orders match the seeded warehouse.
    with Session(empty_engine) as s:
        overdue = s.scalar(select(func.sum(TAr.amt)).where(TAr.status == "Overdue"))
        so_count = s.scalar(select(func.count()).select_from(TSo))
    assert overdue is not None and so_count == 18


def test_synced_tables_equal_the_seeded_ones(
    erp: tuple[Engine, Engine], empty_engine: Engine, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from tests.dbutil import fresh_database

    _writer, reader = erp
    run_once(reader, empty_engine, TZ)
    with fresh_database("sqlite", tmp_path) as seeded:
        seed_base(seeded, SPEC_TODAY, TZ)
        # The seeded warehouse, read through the mapping, is what the ERP holds: verify against it too.
        # sales_order.created is when each seed ran: compared below without it.
        diffs = verify(reader, seeded, TZ, tuple(t.erp for t in TABLES if t.erp != "sales_order"))
        with Session(seeded) as s:
            seeded_orders = s.execute(
                select(TSo.doc_no, TSo.total_amt, TSo.status).order_by(TSo.doc_no)
            ).all()
            seeded_ops = _ops(s)
    assert len(diffs) == 19 and [d.table for d in diffs if not d.equal] == []
    with Session(empty_engine) as s:
        assert (
            s.execute(select(TSo.doc_no, TSo.total_amt, TSo.status).order_by(TSo.doc_no)).all()
            == seeded_orders
        )
        # Work orders, stock moves, maintenance, QC and cash: not empty in a warehouse fed only by the sync.
        assert _ops(s) == seeded_ops and all(seeded_ops.values()), seeded_ops


def _ops(s: Session) -> dict[str, object]:
    """The operational tables' contents that do not depend on ids: counts and sums."""
    return {
        "work orders": s.execute(select(TWo.doc_no, TWo.status, TWo.actual_qty).order_by(TWo.doc_no)).all(),
        "stock moves": s.execute(select(func.count(), func.sum(TInvMove.qty)).select_from(TInvMove)).one(),
        "maintenance": s.execute(select(func.count(), func.sum(TMaint.cost)).select_from(TMaint)).one(),
        "qc": s.execute(select(TQc.check_dt, TQc.grade).order_by(TQc.check_dt)).all(),
        "cash": s.execute(select(func.count(), func.sum(TCash.amt)).select_from(TCash)).one(),
    }


def test_a_second_run_moves_only_changes_and_stays_equal(
    erp: tuple[Engine, Engine], empty_engine: Engine
) -> None:
    writer, reader = erp
    run_once(reader, empty_engine, TZ, Options(overlap=timedelta(0)))
    _touch(writer, "invoice", "inv_no = 'INV-202409-0001'", paid_date=SPEC_TODAY, inv_status="P")
    _touch(writer, "customer", "cust_code = 'CUST-004'", deleted=1)
    report = run_once(reader, empty_engine, TZ, Options(overlap=timedelta(0)))
    # The watermark's own second is read again (rows there are found applied): only the two edits apply.
    assert report.applied == 2 and report.extracted == report.applied + report.stale
    with Session(empty_engine) as s:
        ar = s.scalars(select(TAr).where(TAr.inv_no == "INV-202409-0001")).one()
        cust = s.scalars(select(MCust).where(MCust.code == "CUST-004")).one()
    assert (ar.status, ar.paid_dt, cust.deleted_at is not None) == ("Paid", SPEC_TODAY, True)
    assert all(d.equal for d in verify(reader, empty_engine, TZ))


def test_an_edit_in_the_watermarks_own_second_with_a_smaller_key_is_not_lost(
    erp: tuple[Engine, Engine], empty_engine: Engine
) -> None:
    writer, reader = erp
    run_once(reader, empty_engine, TZ, Options(overlap=timedelta(0)))
    with Session(empty_engine) as s:
        mark = s.get(SyncWatermark, "customer")
    assert mark is not None and mark.last_key > "CUST-001"
    # Committed after the cycle but stamped with the watermark's second; its key sorts before the mark's.
    with writer.begin() as conn:
        conn.execute(
            update(erp_table(BY_NAME["customer"]))
            .where(text("cust_code = 'CUST-001'"))
            .values(credit_limit=123_456_789, last_modified=datetime.fromisoformat(mark.last_ts))
        )
    report = run_once(reader, empty_engine, TZ, Options(overlap=timedelta(0)))
    assert report.per_table.get("customer", 0) >= 1 and report.applied == 1
    with Session(empty_engine) as s:
        cust = s.scalars(select(MCust).where(MCust.code == "CUST-001")).one()
    assert cust.credit_lim == 123_456_789


def test_rows_sharing_a_timestamp_across_pages_are_not_skipped(
    erp: tuple[Engine, Engine], empty_engine: Engine
) -> None:
    writer, reader = erp
    run_once(reader, empty_engine, TZ)
    same = datetime(2030, 1, 1, 8, 0, 0)  # eight orders changed in one second, read in pages of three
    with writer.begin() as conn:
        conn.execute(
            text(
                "UPDATE sales_order SET total_amount = total_amount + 1, last_modified = :t "
                "WHERE so_no IN (SELECT so_no FROM (SELECT so_no FROM sales_order ORDER BY so_no LIMIT 8) x)"
            ),
            {"t": same},
        )
    report = run_once(reader, empty_engine, TZ, Options(page=3))
    assert report.per_table["sales_order"] >= 8
    assert all(d.equal for d in verify(reader, empty_engine, TZ))


def test_overlap_rereads_are_idempotent_and_replay_applies_nothing_old(
    erp: tuple[Engine, Engine], empty_engine: Engine
) -> None:
    _writer, reader = erp
    run_once(reader, empty_engine, TZ)
    with Session(empty_engine) as s:
        before = s.scalar(select(func.count()).select_from(TSoDetail))
        s.execute(text("DELETE FROM sync_watermark"))  # replay everything from the start
        s.commit()
    report = run_once(reader, empty_engine, TZ, Options(overlap=timedelta(days=3650)))
    assert report.stale == report.extracted and report.applied == 0  # nothing older than what is there
    with Session(empty_engine) as s:
        assert s.scalar(select(func.count()).select_from(TSoDetail)) == before  # no duplicate lines
        assert s.scalar(select(func.count()).select_from(SyncKey)) == 458
    assert all(d.equal for d in verify(reader, empty_engine, TZ))


def test_a_poison_row_is_dead_lettered_with_its_reason_and_the_rest_loads(
    erp: tuple[Engine, Engine], empty_engine: Engine
) -> None:
    writer, reader = erp
    _touch(writer, "sales_order", "so_no = 'SO-202409-0001'", so_status="Z")
    report = run_once(reader, empty_engine, TZ, Options(max_attempts=2))
    assert report.dead >= 1
    with Session(empty_engine) as s:
        dead = s.scalars(select(SyncDead)).all()
    assert any(d.erp_key == "SO-202409-0001" and "status code" in d.reason for d in dead)
    diffs = {d.table: d for d in verify(reader, empty_engine, TZ)}
    assert not diffs["sales_order"].equal and "SO-202409-0001" in diffs["sales_order"].differing
    assert diffs["customer"].equal


def test_the_extractor_account_cannot_write(erp: tuple[Engine, Engine]) -> None:
    _writer, reader = erp
    with pytest.raises(OperationalError), reader.begin() as conn:
        conn.execute(text("UPDATE customer SET cust_name = 'x'"))


def test_verify_names_the_differing_key(erp: tuple[Engine, Engine], empty_engine: Engine) -> None:
    _writer, reader = erp
    run_once(reader, empty_engine, TZ)
    with Session(empty_engine) as s, s.begin():
        s.execute(update(MCust).where(MCust.code == "CUST-002").values(credit_lim=1))
    diffs = {d.table: d for d in verify(reader, empty_engine, TZ)}
    assert diffs["customer"].differing == ["CUST-002"] and not diffs["customer"].equal
    assert date.today() is not None


def test_simulated_office_work_syncs_equal_with_no_duplicates(
    erp: tuple[Engine, Engine], empty_engine: Engine
) -> None:
    writer, reader = erp
    run_once(reader, empty_engine, TZ)
    done = simulate(writer, 400, TZ, seed=7)
    assert done["same-second touch"] > 0 and done["soft delete"] > 0 and done["payment"] > 0
    for kind in ("new work order", "work order move", "qc result", "maintenance", "cash out"):
        assert done[kind] > 0, (kind, done)
    report = run_once(reader, empty_engine, TZ, Options(page=50))
    assert report.dead == 0
    assert all(d.equal for d in verify(reader, empty_engine, TZ))
    with Session(empty_engine) as s:  # one warehouse row per ERP row, whatever was re-read in the overlap
        counts = [
            s.scalar(select(func.count()).select_from(m)) for m in (TSo, TSoDetail, TWo, TInvMove, TQc, TCash)
        ]
    with reader.connect() as conn:
        tables = ("sales_order", "so_line", "work_order", "stock_move", "qc_check", "cash_txn")
        assert counts == [conn.scalar(text(f"SELECT COUNT(*) FROM {t}")) for t in tables]


def test_a_row_deleted_from_the_erp_is_soft_deleted_by_the_next_cycle(
    erp: tuple[Engine, Engine], empty_engine: Engine
) -> None:
    writer, reader = erp
    run_once(reader, empty_engine, TZ)
    with writer.begin() as conn:  # DELETE, not the flag: timestamp polling cannot see it
        conn.execute(text("DELETE FROM so_line WHERE so_no = 'SO-202409-0001' AND line_no = 1"))
        conn.execute(text("DELETE FROM cash_txn WHERE txn_id = 2"))
    unseen = run_once(reader, empty_engine, TZ, Options(reconcile=False))
    assert unseen.gone == 0 and not all(d.equal for d in verify(reader, empty_engine, TZ))
    report = run_once(reader, empty_engine, TZ)
    assert (report.gone, report.dead) == (2, 0)
    assert all(d.equal for d in verify(reader, empty_engine, TZ)), verify(reader, empty_engine, TZ)
    with Session(empty_engine) as s:
        gone = s.execute(
            select(SyncKey.erp_table, SyncKey.erp_key, SyncKey.wh_id).where(SyncKey.src_hash.like("%:gone:%"))
        ).all()
        assert sorted((t, k) for t, k, _ in gone) == [("cash_txn", "2"), ("so_line", "SO-202409-0001|1")]
        line = s.get(TSoDetail, next(i for t, _, i in gone if t == "so_line"))
        cash = s.get(TCash, next(i for t, _, i in gone if t == "cash_txn"))
        assert line is not None and line.deleted_at is not None  # soft-deleted, not removed
        assert cash is not None and cash.deleted_at is not None
        assert s.scalar(
            select(func.count()).select_from(TSoDetail).where(TSoDetail.deleted_at.is_(None))
        ) == (s.scalar(select(func.count()).select_from(TSoDetail)) - 1)
    again = run_once(reader, empty_engine, TZ)  # found once: not deleted again every cycle
    assert (again.gone, again.applied) == (0, 0)
    with writer.begin() as conn:  # typed in again under the same number: the row comes back
        now = datetime.now(TZ).replace(tzinfo=None, microsecond=0) + timedelta(seconds=2)
        conn.execute(
            text(
                "INSERT INTO cash_txn (txn_id, txn_date, bank_acct, txn_type, amount, txn_status, "
                "last_modified, deleted) VALUES (2, '2024-12-01', 'BANK-BCA-OPS', 'OPEX', -5000, 'P', :t, 0)"
            ),
            {"t": now},
        )
    back = run_once(reader, empty_engine, TZ)
    assert back.applied == 1 and all(d.equal for d in verify(reader, empty_engine, TZ))
    with Session(empty_engine) as s:
        revived = s.get(TCash, next(i for t, _, i in gone if t == "cash_txn"))
        assert revived is not None and revived.deleted_at is None and revived.amt == -5000


def test_verify_catches_a_doubled_warehouse_row(erp: tuple[Engine, Engine], empty_engine: Engine) -> None:
    _writer, reader = erp
    run_once(reader, empty_engine, TZ)
    with Session(empty_engine) as s, s.begin():
        line = s.scalars(select(TSoDetail).order_by(TSoDetail.id).limit(1)).one()
        s.add(
            TSoDetail(
                so_id=line.so_id,
                item_id=line.item_id,
                qty=line.qty,
                unit_price=line.unit_price,
                disc_pct=line.disc_pct,
                line_amt=line.line_amt,
            )
        )
    diffs = {d.table: d for d in verify(reader, empty_engine, TZ)}
    assert not diffs["so_line"].equal and diffs["so_line"].wh_rows == diffs["so_line"].erp_rows + 1
    assert diffs["so_line"].differing == ["SO-202409-0001|2"]  # a second line the ERP order does not have
