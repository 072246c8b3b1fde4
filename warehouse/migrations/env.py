"""Alembic environment: runs migrations on the connection or URL handed over by warehouse.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import warehouse.schema  # noqa: F401  (registers every table on the metadata)
from warehouse.base import Base
from warehouse.db import make_engine

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate over a given connection, or open one from the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


run_migrations_online()
