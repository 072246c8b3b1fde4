"""Programmatic Alembic: upgrade, current revision, new revisions (no alembic.ini needed)."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations package and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", "warehouse:migrations")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to the given revision (default: the latest)."""
    _migrate(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Undo migrations down to the given revision ("base": every table dropped)."""
    _migrate(engine, command.downgrade, revision)


def rebuild(engine: Engine) -> None:
    """Every table dropped (migrations undone) and made again, empty: how a reset clears an append-only
    audit trail, whose rows PostgreSQL refuses to delete one by one."""
    downgrade(engine, "base")
    upgrade(engine)


def _migrate(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    """One Alembic command on one connection. On SQLite a batch migration copies a table, drops the old one
    and renames the copy: with foreign keys on, dropping a table other rows refer to (adm_user) fails, so
    they are off while migrating (as Alembic advises) and checked once after, before they are on again."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:  # outside a transaction, or SQLite ignores it
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                step(cfg, revision)
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() if sqlite else []
                if broken:  # rolls the migration back
                    raise RuntimeError(f"migration left rows whose foreign keys point nowhere: {broken[:5]}")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with the code."""
    cfg = alembic_config("sqlite://")
    return ScriptDirectory.from_config(cfg).get_current_head()
