"""POST /api/chat: one question to the assistant, answered with data, tools used and citations."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from channels.identity import UnknownUser
from sentient.deps import ApiKeyDep, StateDep
from sentient.errors import ApiError

router = APIRouter(prefix="/api", tags=["chat"], dependencies=[ApiKeyDep])


class ChatRequest(BaseModel):
    """A message from a known user (username or E.164 phone)."""

    model_config = ConfigDict(extra="forbid")
    user: str = Field(min_length=1, max_length=64)
    message: str = Field(min_length=1, max_length=2000)
    conversation_id: str | None = Field(default=None, max_length=64)


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


@router.post("/chat", response_model=ChatResponse)
def chat(body: ChatRequest, state: StateDep) -> dict[str, Any]:
    """Answer one message; follow-ups continue the same conversation (default: one per user)."""
    try:
        reply = state.chat.chat(
            body.user,
            body.message,
            channel="web",
            conversation_id=body.conversation_id,
            request_id=uuid.uuid4().hex,
        )
    except UnknownUser as exc:
        raise ApiError(403, "unknown_user", "No active user with that name or phone number.") from exc
    return reply.as_json()
