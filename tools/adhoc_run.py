"""Running a checked ad-hoc query where it cannot change anything or read outside the views.

PostgreSQL: on a connection of its own, in a transaction that is always rolled back: READ ONLY, a local
statement timeout, SET LOCAL ROLE sentient_reader (SELECT on the views only, set_config revoked; checked
before every query, so a database without that hardening refuses instead of running), then the statement
wrapped as `SELECT * FROM (<sql>) AS sf_q LIMIT :cap` with bound parameters, which always goes through
the extended protocol and so cannot carry a second statement. SET LOCAL dies with the rollback, so the
pooled connection goes back as it came.

SQLite: PRAGMA query_only for the duration, an authorizer that admits SELECT, reads of the views and of
exactly the base-table columns the views themselves read, and the allowed functions (everything else —
PRAGMA, ATTACH, writes, recursion — is denied), and a progress handler that stops the query at its deadline.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from tools.adhoc_sql import FUNCTIONS, SQLITE_OPERATOR_FUNCTIONS, CheckedSql, SqlRefused
from warehouse.views import VIEWS

log = logging.getLogger(__name__)

READER = "sentient_reader"
CAP_PARAM = "_sf_cap"
VIEW_NAMES = frozenset(v.name for v in VIEWS)
MAX_VALUE_BYTES = 1_000_000  # SQLite: the longest string or blob a query may build
SQLITE_FUNCTIONS = FUNCTIONS | SQLITE_OPERATOR_FUNCTIONS

# Run as the reader, before the statement: refuse unless the sandbox is really in place.
SANDBOX_CHECK = (
    f"SELECT current_user = '{READER}' "
    "AND NOT has_function_privilege('pg_catalog.set_config(text,text,boolean)', 'EXECUTE') "
    "AND NOT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) "
    "AND current_setting('transaction_read_only') = 'on'"
)

# How SQLite words a refusal by the authorizer or a query that does not compile (it has no SQLSTATE).
SQLITE_DENIED = ("not authorized", "prohibited", "one statement at a time", "readonly")
SQLITE_INVALID = (
    "syntax error", "no such", "ambiguous", "misuse", "wrong number of arguments", "unrecognized token",
    "incomplete input", "sub-select returns", "must appear", "not supported",
)  # fmt: skip

MESSAGES = {
    "not_allowed": "The query tried something outside read-only access to the reporting views.",
    "invalid_sql": "The query is not valid for the reporting views (check view and column names).",
    "query_failed": "The query could not be run.",
}


@dataclass(frozen=True)
class Fetched:
    """Raw result of a query: column names, at most `cap` rows, and whether there were more."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool


def wrapped(sql: str) -> str:
    """The statement as it is sent: a subquery under a row cap (rejects data-modifying WITH, stacking)."""
    return f"SELECT * FROM ({sql}) AS sf_q LIMIT :{CAP_PARAM}"


def run_checked(
    engine: Engine, checked: CheckedSql, params: Mapping[str, Any], row_cap: int, timeout_ms: int
) -> Fetched:
    """Run a query that passed the filter, under the database's own guards; failures raise SqlRefused."""
    bound = {**params, CAP_PARAM: row_cap + 1}
    runner = {"postgresql": _run_postgres, "sqlite": _run_sqlite}.get(engine.dialect.name)
    if runner is None:
        raise SqlRefused("query_failed", MESSAGES["query_failed"])
    try:
        return runner(engine, wrapped(checked.sql), bound, row_cap, int(timeout_ms))
    except (SQLAlchemyError, sqlite3.Error) as exc:
        raise _refusal(exc, timeout_ms) from None


def _fetch(conn: Connection, sql: str, bound: Mapping[str, Any], row_cap: int) -> Fetched:
    result = conn.execute(text(sql), dict(bound))
    columns = list(result.keys())
    rows = [tuple(r) for r in result.fetchall()]
    return Fetched(columns, rows[:row_cap], len(rows) > row_cap)


def _run_postgres(
    engine: Engine, sql: str, bound: Mapping[str, Any], row_cap: int, timeout_ms: int
) -> Fetched:
    with engine.connect() as conn:
        tx = conn.begin()
        try:
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(timeout_ms)}")
            conn.exec_driver_sql("SET LOCAL standard_conforming_strings = on")  # the tokenizer assumes it
            conn.exec_driver_sql(f"SET LOCAL ROLE {READER}")
            if conn.execute(text(SANDBOX_CHECK)).scalar() is not True:
                log.error("query_views: %s is not a sandbox on this database (run migration 0002 as a "
                          "superuser); refusing ad-hoc queries", READER)  # fmt: skip
                raise SqlRefused("query_failed", MESSAGES["query_failed"])
            return _fetch(conn, sql, bound, row_cap)
        finally:
            tx.rollback()


def _run_sqlite(engine: Engine, sql: str, bound: Mapping[str, Any], row_cap: int, timeout_ms: int) -> Fetched:
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        if not isinstance(raw, sqlite3.Connection):
            raise SqlRefused("query_failed", MESSAGES["query_failed"])
        reads = _view_reads(raw)
        previous = int(raw.execute("PRAGMA query_only").fetchone()[0])
        deadline = time.monotonic() + timeout_ms / 1000
        length = raw.getlimit(sqlite3.SQLITE_LIMIT_LENGTH)
        raw.execute("PRAGMA query_only = ON")
        raw.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)  # no giant strings built in memory
        raw.set_authorizer(partial(_authorize, reads))
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 1000)
        try:
            return _fetch(conn, sql, bound, row_cap)
        finally:
            raw.set_progress_handler(None, 0)
            raw.set_authorizer(None)
            raw.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, length)
            raw.execute(f"PRAGMA query_only = {previous}")
            conn.rollback()


def _view_reads(raw: sqlite3.Connection) -> frozenset[tuple[str, str, str]]:
    """(view, table, column) for every base-table column the views read, as the authorizer reports it."""
    seen: set[tuple[str, str, str]] = set()

    def record(
        action: int, table: str | None, column: str | None, _db: str | None, source: str | None
    ) -> int:
        if action == sqlite3.SQLITE_READ and source in VIEW_NAMES and table and column is not None:
            seen.add((source, table, column))
        return sqlite3.SQLITE_OK

    raw.set_authorizer(record)
    try:
        for name in sorted(VIEW_NAMES):
            raw.execute(f"SELECT * FROM {name} LIMIT 0").fetchall()
            raw.execute(f"SELECT count(*) FROM {name} LIMIT 0").fetchall()
    finally:
        raw.set_authorizer(None)
    return frozenset(seen)


def _authorize(
    reads: frozenset[tuple[str, str, str]],
    action: int,
    table: str | None,
    column: str | None,
    db: str | None,
    source: str | None,
) -> int:
    """SQLite authorizer: SELECT, reads of the views (and through them), allowed functions; nothing else."""
    if action == sqlite3.SQLITE_SELECT:
        return sqlite3.SQLITE_OK
    # SQLite reports a table it reads no column of (count(*), a join on the rowid) with an empty column
    # and no view: that reveals row existence only, so it is allowed for the views' own base tables.
    no_column = column == "" and table in {t for _, t, _ in reads}
    through_view = table in VIEW_NAMES or (source, table, column) in reads or no_column
    if action == sqlite3.SQLITE_READ and db in (None, "main") and through_view:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION and column and column.lower() in SQLITE_FUNCTIONS:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def _refusal(exc: Exception, timeout_ms: int) -> SqlRefused:
    """Map a database error to a stable code and a generic message; the raw text goes to the log only."""
    orig = getattr(exc, "orig", None) or exc
    sqlstate = str(getattr(orig, "sqlstate", "") or "")
    raw = str(orig).lower()
    if sqlstate == "57014" or "interrupted" in raw:
        code = "timeout"
    elif sqlstate in ("42501", "25006", "0A000") or any(w in raw for w in SQLITE_DENIED):
        code = "not_allowed"
    elif sqlstate.startswith("42") or any(w in raw for w in SQLITE_INVALID):
        code = "invalid_sql"
    else:
        code = "query_failed"
    log.warning("query_views: %s (sqlstate %s): %s", code, sqlstate or "-", str(orig)[:500])
    if code == "timeout":
        return SqlRefused(code, f"The query ran longer than {timeout_ms} ms and was stopped.")
    return SqlRefused(code, MESSAGES[code])
