"""A throw-away MariaDB database per test (the legacy ERP), or a skip (a failure under REQUIRE_MARIADB=1)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, create_engine, text

from erp.erpdb import erp_engine

MARIADB_ADMIN_URL = os.environ.get("TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/")


def _admin() -> Engine:
    engine = create_engine(MARIADB_ADMIN_URL, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            pass
    except Exception as exc:  # no server: skip, or fail where .ci/run asks for it
        engine.dispose()
        if os.environ.get("REQUIRE_MARIADB") == "1":
            pytest.fail(f"REQUIRE_MARIADB=1 but no MariaDB answers at {MARIADB_ADMIN_URL}: {exc}")
        pytest.skip(f"no MariaDB at {MARIADB_ADMIN_URL}")
    return engine


def ro_user(database: str) -> str:
    """The read-only account a test's `erp demo init` makes for its own ERP database: accounts are the
    server's, so tests side by side must not share one (each init sets its password)."""
    return f"ro_{database.removeprefix('erp_test_')}"


@contextmanager
def fresh_erp() -> Iterator[tuple[Engine, Engine]]:
    """(writable engine, read-only engine) on a new, empty MariaDB database; dropped afterwards."""
    admin = _admin()
    name = f"erp_test_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}`"))
    url = f"{MARIADB_ADMIN_URL.rstrip('/')}/{name}"
    writer, reader = erp_engine(url, read_only=False), erp_engine(url)
    try:
        yield writer, reader
    finally:
        writer.dispose()
        reader.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            conn.execute(text(f"DROP USER IF EXISTS '{ro_user(name)}'@'%'"))
        admin.dispose()
