"""Heavy clients built once per process in the app's lifespan: the database, the agent, the chat service."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from agent.factory import make_agent
from agent.tokens import TokenCounter
from channels.service import ChatService
from sentient.retrieval_wiring import RetrievalHub
from sentient.settings import Settings
from warehouse.db import make_engine, make_session_factory


@dataclass
class AppState:
    """What request handlers and commands share."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    chat: ChatService
    retrieval: RetrievalHub | None

    @classmethod
    def build(cls, settings: Settings) -> AppState:
        """Create the clients for these settings."""
        engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
        sessions = make_session_factory(engine)
        retrieval = _retrieval(settings)
        agent = make_agent(
            sessions,
            settings.today,
            reject_threshold_pct=settings.reject_rate_threshold_pct,
            shift_plan_min=settings.shift_plan_min,
            manuals=retrieval.service() if retrieval else None,
        )
        chat = ChatService(agent, sessions, TokenCounter(settings.data_dir / "tiktoken"))
        return cls(settings=settings, engine=engine, sessions=sessions, chat=chat, retrieval=retrieval)

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()


def _retrieval(settings: Settings) -> RetrievalHub | None:
    """Manual search, or None when its store cannot be opened: data answers must not depend on it."""
    try:
        hub = RetrievalHub(settings)
        hub.service()  # opens the collection now, so a broken store shows at start-up and in /readyz
        return hub
    except Exception:  # degrade only this part; /readyz reports it
        logging.getLogger(__name__).exception("manual search unavailable")
        return None
