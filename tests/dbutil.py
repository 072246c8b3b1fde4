"""Test databases: a fresh SQLite file or a fresh PostgreSQL database per use, migrated."""

from __future__ import annotations

import atexit
import os
import queue
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from warehouse.db import make_engine
from warehouse.migrate import upgrade

# A PostgreSQL server tests may create databases on: TEST_DATABASE_URL, else the local default if it answers.
# .ci/run sets REQUIRE_POSTGRES=1 so that a missing server fails the run instead of skipping.
LOCAL_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REQUIRE_PG = os.environ.get("REQUIRE_POSTGRES", "") == "1"


def _find_postgres() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url:
        return url
    try:
        engine = create_engine(LOCAL_PG, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
        return LOCAL_PG
    except Exception:  # no local server: PostgreSQL tests are skipped (or fail under REQUIRE_POSTGRES)
        return ""


PG_ADMIN_URL = _find_postgres()


@contextmanager
def fresh_database(backend: str, tmp_dir: Path, migrate: bool = True) -> Iterator[Engine]:
    """Yield an engine on a new, empty (optionally migrated) database; drop it afterwards."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_dir / f'wh-{uuid.uuid4().hex[:8]}.db'}")
        try:
            if migrate:
                upgrade(engine)
            yield engine
        finally:
            engine.dispose()
        return
    name = f"sf_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = make_engine(make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False))
    try:
        if migrate:
            upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        _DROPPER.drop(name)


class _Dropper:
    """Drops test databases on a background thread: DROP DATABASE forces a checkpoint (seconds each)."""

    def __init__(self) -> None:
        self.names: queue.Queue[str | None] = queue.Queue()
        self.thread: threading.Thread | None = None

    def drop(self, name: str) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="drop-test-dbs", daemon=True)
            self.thread.start()
            atexit.register(self.finish)
        self.names.put(name)

    def _run(self) -> None:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        while (name := self.names.get()) is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    def finish(self) -> None:
        """Wait until every database handed over is dropped."""
        if self.thread is not None:
            self.names.put(None)
            self.thread.join(timeout=300)


_DROPPER = _Dropper()
