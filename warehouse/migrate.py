"""Programmatic Alembic: upgrade, current revision, new revisions (no alembic.ini needed)."""

from __future__ import annotations

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
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with the code."""
    cfg = alembic_config("sqlite://")
    return ScriptDirectory.from_config(cfg).get_current_head()
