"""Heavy clients built once per process in the app's lifespan: the database, the agent, the chat service."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from agent.factory import make_agent
from agent.llm import LlmAgent
from agent.memory import ConversationMemory
from agent.memory_redis import RedisMemory
from agent.people import PeopleNames
from channels.service import ChatService
from sentient.model_wiring import ModelRuntime, build_model_runtime, llm_config
from sentient.retrieval_wiring import RetrievalHub
from sentient.settings import Settings
from textkit.tokens import TokenCounter
from warehouse.db import make_engine, make_session_factory


@dataclass
class AppState:
    """What request handlers and commands share."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    chat: ChatService
    retrieval: RetrievalHub | None
    model: ModelRuntime | None = None  # the LLM (issue 5); started by the app's lifespan / the CLI

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
            memory=_memory(settings),
        )
        chat = ChatService(agent, sessions, TokenCounter(settings.data_dir / "tiktoken"))
        model = build_model_runtime(settings)
        model.names = PeopleNames(sessions)
        if model.kind != "off":  # LLM_BASE_URL=off keeps every answer deterministic, exactly as before
            chat.llm = LlmAgent(
                agent,
                lambda: model.model,
                llm_config(settings, model),
                ask=chat.ask,
                home_loop=lambda: model.loop,  # WhatsApp worker threads run their turns on the app's loop
            )
        return cls(
            settings=settings, engine=engine, sessions=sessions, chat=chat, retrieval=retrieval, model=model
        )

    def close(self) -> None:
        """Release connections; stop the local model server if one runs."""
        if self.chat.llm is not None and self.model is not None:
            self.chat.llm.run_sync.close(self.model.aclose_client)  # the CLI's private loop, if one ran
        if self.model is not None:
            self.model.stop()
        self.engine.dispose()


def _memory(settings: Settings) -> ConversationMemory | None:
    """Follow-up context shared by every replica and worker when REDIS_URL is set; in-process otherwise."""
    if not settings.redis_url:
        return None
    return RedisMemory.from_url(settings.redis_url, settings.secret_key.get_secret_value().encode())


def _retrieval(settings: Settings) -> RetrievalHub | None:
    """Manual search, or None when its store cannot be opened: data answers must not depend on it."""
    try:
        hub = RetrievalHub(settings)
        hub.service()  # opens the collection now, so a broken store shows at start-up and in /readyz
        return hub
    except Exception:  # degrade only this part; /readyz reports it
        logging.getLogger(__name__).exception("manual search unavailable")
        return None
