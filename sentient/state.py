"""Heavy clients built once per process in the app's lifespan: the database, the agent, the chat service."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from agent.factory import make_agent
from agent.tokens import TokenCounter
from channels.service import ChatService
from sentient.settings import Settings
from warehouse.db import make_engine, make_session_factory


@dataclass
class AppState:
    """What request handlers and commands share."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    chat: ChatService

    @classmethod
    def build(cls, settings: Settings) -> AppState:
        """Create the clients for these settings."""
        engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
        sessions = make_session_factory(engine)
        agent = make_agent(
            sessions,
            settings.today,
            reject_threshold_pct=settings.reject_rate_threshold_pct,
            shift_plan_min=settings.shift_plan_min,
        )
        chat = ChatService(agent, sessions, TokenCounter(settings.data_dir / "tiktoken"))
        return cls(settings=settings, engine=engine, sessions=sessions, chat=chat)

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()
