"""Writes every turn to ai_chat: who asked, in which role and channel, what came back, tokens, latency."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from agent.core import Reply
from textkit.tokens import TokenCounter
from tools.registry import Caller
from warehouse.schema import AiChat
from warehouse.types import utcnow

ChatRow = dict[str, Any]  # the ai_chat columns of one turn, JSON-safe (ts as ISO text), for the spool


def turn_row(
    tokens: TokenCounter,
    caller: Caller,
    message: str,
    reply: Reply,
    *,
    channel: str,
    latency_ms: int,
    request_id: str | None = None,
) -> ChatRow:
    """The chat-log row of one turn; `ts` is fixed now so a later (spooled) write keeps the turn's time."""
    tokens_in, tokens_out = tokens.count(message), tokens.count(reply.answer)
    return {
        "user_id": caller.user_id,
        "phone": caller.phone,
        "user_role": caller.role,
        "channel": channel,
        "lang": reply.language,
        "mode": reply.mode,
        "msg_in": message,
        "msg_out": reply.answer,
        "tokens_in": tokens_in,
        "tokens_out": tokens_out,
        "tokens_used": tokens_in + tokens_out,
        "latency_ms": latency_ms,
        "request_id": request_id,
        "ts": utcnow().isoformat(),
        "reason": (reply.reason or "")[:200] or None,
        "model": (str(reply.meta.get("model") or "")[:80]) or None,
        "prompt_version": reply.meta.get("prompt_version"),
        "ttft_ms": reply.meta.get("ttft_ms"),
    }


def write_row(sessions: sessionmaker[Session], row: ChatRow, *, once: bool = False) -> bool:
    """Insert one turn (its own short transaction); with `once`, skip it if that turn is already there.

    The key of a turn is (request_id, ts, user_id): a spooled row retried after a crash, or after a commit
    whose acknowledgement was lost, is found and not written twice. Returns whether a row was inserted.
    """
    values = {**row, "ts": datetime.fromisoformat(row["ts"])}
    with sessions() as session, session.begin():
        if once and _exists(session, values):
            return False
        session.add(AiChat(**values))
    return True


def _exists(session: Session, values: ChatRow) -> bool:
    query = select(AiChat.id).where(
        AiChat.request_id.is_not_distinct_from(values["request_id"]),
        AiChat.ts == values["ts"],
        AiChat.user_id.is_not_distinct_from(values["user_id"]),
    )
    return session.execute(query.limit(1)).first() is not None
