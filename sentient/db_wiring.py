"""Builds the warehouse engine from settings: for the composition root, and for commands that need only it."""

from __future__ import annotations

from sqlalchemy import Engine

from sentient.settings import Settings
from warehouse.db import make_engine


def build_engine(settings: Settings) -> Engine:
    """The engine of DATABASE_URL with the configured pool (SQLite: folder created, WAL on)."""
    return make_engine(settings.database_url, pool_size=settings.db_pool_size)
