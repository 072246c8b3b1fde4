"""Builds the warehouse engine from settings: for the composition root, and for commands that need only it."""

from __future__ import annotations

from sqlalchemy import Engine

from sentient.settings import Settings
from warehouse.db import make_engine
from warehouse.retry import RetryPolicy


def build_engine(settings: Settings) -> Engine:
    """The engine of DATABASE_URL with the configured pool (SQLite: folder created, WAL on)."""
    return make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        connect_timeout_s=settings.db_connect_timeout_s,
    )


def retry_policy(settings: Settings) -> RetryPolicy:
    """How reads are retried on a lost or refused connection (DB_RETRIES, DB_RETRY_BASE_S, ...)."""
    return RetryPolicy(
        retries=settings.db_retries,
        base_s=settings.db_retry_base_s,
        max_s=max(settings.db_retry_base_s, settings.db_retry_deadline_s / 2),
        deadline_s=settings.db_retry_deadline_s,
    )
