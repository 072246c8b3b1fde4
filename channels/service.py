"""One chat turn as the channels use it: resolve the caller, ask the agent, log the turn."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from agent.chatlog import record_turn
from agent.core import Agent, Reply, clean_message
from agent.tokens import TokenCounter
from channels.identity import load_caller


@dataclass
class ChatService:
    """The agent plus what every channel needs around it."""

    agent: Agent
    sessions: sessionmaker[Session]
    tokens: TokenCounter

    def chat(
        self,
        user: str,
        message: str,
        *,
        channel: str,
        conversation_id: str | None = None,
        request_id: str | None = None,
    ) -> Reply:
        """Answer `message` for the user (username or phone); raises UnknownUser for strangers."""
        started = time.perf_counter()
        message = clean_message(message)  # the log and the agent see the same, safe text
        with self.sessions() as session:
            caller = load_caller(session, user)
        reply = self.agent.ask(caller, message, conversation_id or f"{channel}:{caller.username}")
        latency_ms = int((time.perf_counter() - started) * 1000)
        record_turn(
            self.sessions,
            self.tokens,
            caller,
            message,
            reply,
            channel=channel,
            latency_ms=latency_ms,
            request_id=request_id,
        )
        return reply
