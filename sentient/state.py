"""The one composition root: everything a process holds, built once from Settings.

The app's lifespan, the CLI and the workers all build an AppState here; request handlers receive its parts
only through the dependencies in sentient/deps.py. Collaborators go into constructors, so nothing is
patched after it is built and nothing is made on a first request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from agent.core import Agent
from agent.factory import make_agent
from agent.llm import LlmAgent
from agent.memory import ConversationMemory
from agent.memory_redis import RedisMemory
from agent.people import PeopleNames
from channels.chatlog_spool import ChatLogSpool, SpoolFlusher
from channels.service import ChatService
from sentient.admin.service import AdminService, admin_service_for
from sentient.auth.service import AuthService
from sentient.auth.throttle import LoginGuard
from sentient.auth.wiring import auth_service_for, login_guard_for
from sentient.db_wiring import build_engine, retry_policy
from sentient.model_wiring import ModelRuntime, build_model_runtime, llm_config
from sentient.ratelimit import Limiter, make_limiter
from sentient.retrieval_wiring import RetrievalHub
from sentient.settings import Settings
from sentient.whatsapp_wiring import WhatsAppRuntime
from textkit.tokens import TokenCounter
from warehouse.db import make_session_factory
from warehouse.retry import RetryPolicy


@dataclass
class AppState:
    """What request handlers, commands and workers share."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    chat: ChatService
    retrieval: RetrievalHub | None
    model: ModelRuntime  # the LLM (issue 5); started by the app's lifespan / the CLI
    whatsapp: WhatsAppRuntime  # the reply worker and the Twilio clients (alerts send through them too)
    auth: AuthService
    admin: AdminService  # users, roles, the WhatsApp whitelist, sessions, audit (web pages and CLI)
    login_guard: LoginGuard  # wrong-password throttle per source and the owner's attack alarm
    limiter: Limiter  # per-user sign-in and chat limits (Redis when REDIS_URL is set)
    flusher: SpoolFlusher  # writes chat-log rows spooled while the database was down

    @classmethod
    def build(cls, settings: Settings) -> AppState:
        """Create the clients for these settings (nothing starts until `start`/`astart`)."""
        engine = build_engine(settings)
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
        model = build_model_runtime(settings, names=PeopleNames(sessions))
        tokens = TokenCounter(settings.data_dir / "tiktoken")
        retry = retry_policy(settings)
        spool = ChatLogSpool(settings.data_dir / "spool", sessions)
        llm = _llm(settings, agent, model, retry)
        chat = ChatService(agent, sessions, tokens, llm=llm, retry=retry, spool=spool)
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            chat=chat,
            retrieval=retrieval,
            model=model,
            whatsapp=WhatsAppRuntime.build(settings, sessions, chat),
            auth=auth_service_for(settings, sessions),
            admin=admin_service_for(settings, sessions),
            login_guard=login_guard_for(settings, sessions),
            limiter=make_limiter(settings.redis_url),
            flusher=SpoolFlusher(spool, settings.chatlog_flush_s),
        )

    def start(self) -> None:
        """Start the model for a command (the local sidecar lives as long as the command; blocking)."""
        self.model.start()

    async def astart(self) -> None:
        """Start the model without blocking the loop, then the in-process WhatsApp reply worker."""
        await self.model.astart()  # the local sidecar takes a few seconds; answers wait for it
        await self.whatsapp.start()  # unless WHATSAPP_WORKER=off or Twilio is not configured
        await self.flusher.start()

    async def astop(self) -> None:
        """Stop the reply worker and the model, then release everything."""
        await self.flusher.stop()
        await self.whatsapp.stop()
        await self.model.astop()
        self.close()

    def close(self) -> None:
        """Release connections and threads; stop the local model server if one runs."""
        if self.chat.llm is not None:
            self.chat.llm.run_sync.close(self.model.aclose_client)  # the CLI's private loop, if one ran
        self.whatsapp.close()
        self.model.stop()
        self.engine.dispose()


def _llm(settings: Settings, agent: Agent, model: ModelRuntime, retry: RetryPolicy) -> LlmAgent | None:
    """The model path around the agent; None when LLM_BASE_URL=off keeps every answer deterministic."""
    if model.kind == "off":
        return None
    return LlmAgent(
        agent,
        lambda: model.model,
        llm_config(settings, model),
        retry=retry,  # the deterministic turn's reads (agent/screening.py), on a lost connection only
        home_loop=lambda: model.loop,  # WhatsApp worker threads run their turns on the app's loop
    )


def _memory(settings: Settings) -> ConversationMemory | None:
    """Follow-up context shared by every replica and worker when REDIS_URL is set; in-process otherwise."""
    if not settings.redis_url:
        return None
    return RedisMemory.from_url(settings.redis_url, settings.signing_secret().encode())


def _retrieval(settings: Settings) -> RetrievalHub | None:
    """Manual search, or None when its store cannot be opened: data answers must not depend on it."""
    try:
        hub = RetrievalHub(settings)
        hub.service()  # opens the collection now, so a broken store shows at start-up and in /readyz
        return hub
    except Exception:  # degrade only this part; /readyz reports it
        logging.getLogger(__name__).exception("manual search unavailable")
        return None
