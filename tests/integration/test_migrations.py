"""One Alembic upgrade path builds exactly the models' schema on SQLite and PostgreSQL."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

import warehouse.schema  # noqa: F401
from tests.dbutil import fresh_database
from warehouse.base import Base
from warehouse.migrate import current_revision, downgrade, head_revision, upgrade

SPEC_TABLES = {
    "m_cust",
    "m_item",
    "m_vendor",
    "m_machine",
    "m_emp",
    "m_wh",
    "t_so",
    "t_so_detail",
    "t_do",
    "t_po",
    "t_po_detail",
    "t_wo",
    "t_inv",
    "t_inv_move",
    "t_ar",
    "t_ap",
    "t_maint",
    "t_qc",
    "t_shift_log",
    "log_status",
    "log_sla",
    "log_audit",
    "adm_user",
    "adm_role",
    "adm_permission",
    "adm_role_permission",
    "adm_menu",
    "adm_role_menu",
    "adm_session",
    "ai_insight",
    "ai_chat",
    "ai_alert",
    "ai_rfm",
    "ai_vendor_score",
}


def test_migrated_schema_matches_models(empty_engine: Engine) -> None:
    assert current_revision(empty_engine) == head_revision()
    with empty_engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diffs == []
    assert set(inspect(empty_engine).get_table_names()) >= SPEC_TABLES


def test_upgrade_twice_is_a_no_op(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()


def test_spec_column_names_and_types(empty_engine: Engine) -> None:
    insp = inspect(empty_engine)
    so = {c["name"]: c for c in insp.get_columns("t_so")}
    assert {
        "id",
        "uuid",
        "doc_no",
        "cust_id",
        "order_dt",
        "deadline_dt",
        "total_amt",
        "disc_pct",
        "status",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "deleted_at",
        "deleted_by",
    } <= set(so)
    assert so["total_amt"]["type"].python_type.__name__ == "Decimal"
    assert {"qty_on_hand", "qty_reserved"} <= {c["name"] for c in insp.get_columns("t_inv")}
    assert {"phone", "wa_opt_in"} <= {c["name"] for c in insp.get_columns("adm_user")}
    assert "reject_qty" in {c["name"] for c in insp.get_columns("t_shift_log")}
    # Column names stay within the spec's 15 characters, except the three the spec itself names longer.
    long_names = {(t, c["name"]) for t in SPEC_TABLES for c in insp.get_columns(t) if len(c["name"]) > 15}
    assert long_names == {
        ("adm_user", "failed_login_count"),
        ("adm_user", "password_changed_at"),
        ("adm_session", "last_activity_at"),
    }


def test_partial_indexes_on_active_rows(empty_engine: Engine) -> None:
    names = {ix["name"] for ix in inspect(empty_engine).get_indexes("t_so")}
    assert {"ix_t_so_active", "ix_t_so_order_dt_active"} <= names


@pytest.mark.postgres
def test_postgres_trigger_keeps_updated_at_and_uuid_default(tmp_path: Path) -> None:
    with fresh_database("postgres", tmp_path) as engine, engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO m_cust (code, name, segment, credit_lim, pay_terms) "
                "VALUES ('C-1', 'X', 'VIP', 0, 30)"
            )
        )
        before = conn.execute(text("SELECT updated_at FROM m_cust WHERE code = 'C-1'")).scalar_one()
        time.sleep(0.01)
        conn.execute(text("COMMIT"))
        conn.execute(text("UPDATE m_cust SET name = 'Y' WHERE code = 'C-1'"))
        after = conn.execute(text("SELECT updated_at FROM m_cust WHERE code = 'C-1'")).scalar_one()
        assert after > before
        conn.execute(text("INSERT INTO adm_role (code, name, level, is_system) VALUES ('R', 'R', 1, false)"))
        conn.execute(
            text(
                "INSERT INTO adm_user (username, email, role_id, wa_opt_in, lang, is_active, "
                "failed_login_count) SELECT 'u', 'u@x', id, false, 'id', true, 0 FROM adm_role"
            )
        )
        assert isinstance(conn.execute(text("SELECT uuid FROM adm_user")).scalar_one(), uuid.UUID)
        fks = conn.execute(
            text(
                "SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f' "
                "AND conname = 'fk_t_so_created_by_adm_user'"
            )
        ).scalar_one()
        assert fks == 1


def test_foreign_keys_are_enforced(empty_engine: Engine) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), empty_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO t_so (uuid, doc_no, cust_id, order_dt, total_amt, disc_pct, status) "
                "VALUES ('0000000000000000000000000000000a', 'SO-1', 999, '2024-01-01', 0, 0, 'Draft')"
            )
        )


def test_a_populated_warehouse_migrates_down_and_up_with_its_rows(seeded_engine: Engine) -> None:
    """Batch migrations of a table other rows refer to (adm_user, 0008) work on a warehouse holding data
    (on SQLite they copy and drop the table), and foreign keys are enforced again afterwards."""

    def counts() -> tuple[int, int, int]:
        with seeded_engine.connect() as conn:
            return tuple(  # type: ignore[return-value]
                int(conn.scalar(text(f"SELECT COUNT(*) FROM {t}")) or 0)
                for t in ("adm_user", "log_audit", "t_so")
            )

    before = counts()
    downgrade(seeded_engine, "0007")
    assert current_revision(seeded_engine) == "0007"
    upgrade(seeded_engine)
    assert current_revision(seeded_engine) == head_revision() and counts() == before and before[0] > 0
    test_foreign_keys_are_enforced(seeded_engine)


def test_phone_must_be_e164(empty_engine: Engine) -> None:
    from sqlalchemy.exc import IntegrityError

    with empty_engine.begin() as conn:
        conn.execute(text("INSERT INTO adm_role (code, name, level, is_system) VALUES ('R', 'R', 1, false)"))
    with pytest.raises(IntegrityError), empty_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO adm_user (uuid, username, email, role_id, phone, wa_opt_in, lang, is_active, "
                "failed_login_count) SELECT '0000000000000000000000000000000b', 'u', 'u@x', id, "
                "'08123', false, 'id', true, 0 FROM adm_role"
            )
        )
