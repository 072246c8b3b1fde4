"""Writes every turn to ai_chat: who asked, in which role and channel, what came back, tokens, latency."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from agent.core import Reply
from textkit.tokens import TokenCounter
from tools.registry import Caller
from warehouse.schema import AiChat


def record_turn(
    sessions: sessionmaker[Session],
    tokens: TokenCounter,
    caller: Caller,
    message: str,
    reply: Reply,
    *,
    channel: str,
    latency_ms: int,
    request_id: str | None = None,
) -> None:
    """Append one turn to the chat log (its own short transaction)."""
    tokens_in, tokens_out = tokens.count(message), tokens.count(reply.answer)
    with sessions() as session, session.begin():
        session.add(
            AiChat(
                user_id=caller.user_id,
                phone=caller.phone,
                user_role=caller.role,
                channel=channel,
                lang=reply.language,
                mode=reply.mode,
                msg_in=message,
                msg_out=reply.answer,
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                tokens_used=tokens_in + tokens_out,
                latency_ms=latency_ms,
                request_id=request_id,
                reason=(reply.reason or "")[:200] or None,
                model=(str(reply.meta.get("model") or "")[:80]) or None,
                prompt_version=reply.meta.get("prompt_version"),
                ttft_ms=reply.meta.get("ttft_ms"),
            )
        )
