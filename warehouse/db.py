"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False, connect_timeout_s: int = 5) -> Engine:
    """Create an engine; for SQLite the folder is created and foreign keys and WAL are switched on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # pool_pre_ping replaces connections the server dropped (a restart, pg_terminate_backend) before use;
    # connect_timeout bounds a try against a host that does not answer, so retries keep their deadline;
    # TCP keepalives and tcp_user_timeout end a query whose server vanished without a reset (a partition,
    # a dead host), which would otherwise hold its request and a pooled connection for ever.
    return create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": connect_timeout_s,
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
            "tcp_user_timeout": 30_000,  # ms: sent data unacknowledged this long ends the connection
        },
    )


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")  # SQLite ignores FOREIGN KEY clauses unless told otherwise
    cur.execute("PRAGMA journal_mode=WAL")  # readers (the web app) do not block the writer (seed, worker)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to the engine; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
