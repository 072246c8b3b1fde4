"""POST /api/chat: one question to the assistant, answered with data, tools used and citations."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from agent.llm import TurnEvent, final_reply
from channels.identity import UnknownUser
from sentient.api.identity import resolve_chat_user
from sentient.deps import AuthDep, LimiterDep, StateDep
from sentient.errors import ApiError

log = logging.getLogger(__name__)
# Access: a sign-in token or session cookie (acting as that user), or the API key plus `user`.
router = APIRouter(prefix="/api", tags=["chat"])


class ChatRequest(BaseModel):
    """A message from a known user (username or E.164 phone)."""

    model_config = ConfigDict(extra="forbid")
    user: str | None = Field(default=None, min_length=1, max_length=64)  # not needed with a sign-in token
    message: str = Field(min_length=1, max_length=2000)
    conversation_id: str | None = Field(default=None, max_length=64)
    stream: bool = False  # server-sent events: `delta` events, then one `reply` event (also via Accept)


class ChatResponse(BaseModel):
    """The answer and how it was produced."""

    answer: str
    mode: str
    language: str
    tools: list[dict[str, Any]]
    data: list[Any]
    citations: list[dict[str, Any]]
    refused: bool
    intent: str
    reason: str | None = None  # why a model turn fell back to the deterministic text


@router.post("/chat", response_model=ChatResponse)
async def chat(
    body: ChatRequest,
    state: StateDep,
    auth: AuthDep,
    limiter: LimiterDep,
    request: Request,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    """Answer one message; follow-ups continue the same conversation (default: one per user)."""
    user = resolve_chat_user(request, state, auth, limiter, body.user)
    want_stream = body.stream or "text/event-stream" in (accept or "")
    events = state.chat.astream(
        user,
        body.message,
        channel="web",
        conversation_id=body.conversation_id,
        request_id=getattr(request.state, "request_id", None) or uuid.uuid4().hex,  # X-Request-ID
        stream=want_stream,
    )
    try:
        first = await anext(events)  # resolves the caller, so a stranger still gets a plain 403
    except UnknownUser as exc:
        raise ApiError(403, "unknown_user", "No active user with that name or phone number.") from exc
    if not want_stream:
        return (await final_reply(events, first)).as_json()
    return StreamingResponse(
        sse_events(first, events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def sse_events(first: TurnEvent, rest: AsyncIterator[TurnEvent]) -> AsyncIterator[str]:
    """Server-sent events: `delta` {"text"} for each checked piece, then `reply` with the whole Reply."""
    event: TurnEvent | None = first
    try:
        while event is not None:
            if event.delta:
                yield sse("delta", {"text": event.delta})
            if event.reply is not None:
                yield sse("reply", {**event.reply.as_json(), "replace": event.replace})
            event = await anext(rest, None)
    except Exception:  # the stream has started: report in-band, the status line is already sent
        log.exception("chat stream failed")
        yield sse("error", {"code": "internal", "message": "The answer could not be completed."})


def sse(name: str, data: dict[str, Any]) -> str:
    """One server-sent event."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
