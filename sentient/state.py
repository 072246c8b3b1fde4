"""Heavy clients built once per process in the app's lifespan (today: the database)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from sentient.settings import Settings
from warehouse.db import make_engine, make_session_factory


@dataclass
class AppState:
    """What request handlers share: settings, the engine and its session factory."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def build(cls, settings: Settings) -> AppState:
        """Create the clients for these settings."""
        engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
        return cls(settings=settings, engine=engine, sessions=make_session_factory(engine))

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()
