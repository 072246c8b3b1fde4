"""One chat turn as every channel uses it: caller, clean and screen once, the agent or the model, log."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from agent.chatlog import turn_row, write_row
from agent.core import Agent, Reply, clean_message
from agent.llm import LlmAgent, TurnEvent, final_reply
from agent.screening import deterministic_turn
from channels.chatlog_spool import ChatLogSpool
from channels.identity import load_caller
from telemetry.metrics import CHAT_TURNS
from textkit.tokens import TokenCounter
from tools.registry import Caller
from warehouse.retry import RetryPolicy, is_transient, retry_read


@dataclass
class ChatService:
    """One turn for every channel (web, API, CLI, WhatsApp), in one place: resolve the caller once, clean
    the text once, the screened deterministic turn (agent/screening.py) or the model path around it, then
    log. `llm` set means the model phrases answers (or picks the tools)."""

    agent: Agent
    sessions: sessionmaker[Session]
    tokens: TokenCounter
    llm: LlmAgent | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)  # reads, on a lost or refused connection only
    spool: ChatLogSpool | None = None  # chat-log rows the database could not take; None: the error goes up

    def chat(
        self,
        user: str | Caller,
        message: str,
        *,
        channel: str,
        conversation_id: str | None = None,
        request_id: str | None = None,
    ) -> Reply:
        """Answer `message` for a user (a resolved Caller, or a username or phone: UnknownUser for
        strangers). Sync callers (CLI, web form, WhatsApp workers) get the model path too."""
        if self.llm is not None:
            return self.llm.run_sync(
                self.achat(
                    user, message, channel=channel, conversation_id=conversation_id, request_id=request_id
                )
            )
        started = time.perf_counter()
        text = clean_message(message)  # the log and the agent see the same, safe text
        caller = self._caller(user)
        reply = self.ask(caller, text, conversation_id or f"{channel}:{caller.username}")
        self._record(caller, text, reply, channel, started, request_id)
        return reply

    def ask(self, caller: Caller, text: str, key: str) -> Reply:
        """The deterministic turn for a resolved caller and cleaned text (screened, retried as a whole)."""
        return deterministic_turn(self.agent, caller, text, key, self.retry)

    async def achat(
        self,
        user: str | Caller,
        message: str,
        *,
        channel: str,
        conversation_id: str | None = None,
        request_id: str | None = None,
    ) -> Reply:
        """`chat` for async callers: the database work runs in threads, the model call on the loop."""
        return await final_reply(
            self.astream(
                user, message, channel=channel, conversation_id=conversation_id, request_id=request_id
            )
        )

    async def astream(
        self,
        user: str | Caller,
        message: str,
        *,
        channel: str,
        conversation_id: str | None = None,
        request_id: str | None = None,
        stream: bool = False,
    ) -> AsyncIterator[TurnEvent]:
        """One turn as events (text deltas, then the final Reply), logged to ai_chat when it ends."""
        started = time.perf_counter()
        text = clean_message(message)
        caller = await asyncio.to_thread(self._caller, user)
        key = conversation_id or f"{channel}:{caller.username}"
        reply: Reply | None = None
        if self.llm is None:
            reply = await asyncio.to_thread(self.ask, caller, text, key)
            yield TurnEvent(delta=reply.answer, reply=reply)
        else:
            async for event in self.llm.astream(caller, text, key, stream=stream):
                reply = event.reply or reply
                yield event
        assert reply is not None
        await asyncio.to_thread(self._record, caller, text, reply, channel, started, request_id)

    def _caller(self, user: str | Caller) -> Caller:
        """The caller: as given (already resolved by the route's sign-in), else loaded once."""
        if isinstance(user, Caller):
            return user

        def load() -> Caller:
            with self.sessions() as session:
                return load_caller(session, user)

        return retry_read(load, self.retry, what="caller")

    def _record(
        self, caller: Caller, message: str, reply: Reply, channel: str, started: float, request_id: str | None
    ) -> None:
        latency_ms = int((time.perf_counter() - started) * 1000)
        CHAT_TURNS.labels(mode=reply.mode, role=caller.role, channel=channel).inc()  # /metrics
        row = turn_row(
            self.tokens, caller, message, reply, channel=channel, latency_ms=latency_ms, request_id=request_id
        )
        try:
            write_row(self.sessions, row)
        except Exception as exc:
            # The answer is ready: a database blip must not take it away. The insert is not retried here
            # (its commit may have happened); the spool writes it later, once, keyed by the turn.
            if self.spool is None or not is_transient(exc):
                raise
            self.spool.spool(row)
