"""The deterministic agent: one turn = route -> permission check -> tool -> composer, no LLM involved."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from agent.compose.base import COMPOSERS, Style, style_for
from agent.entities import Gazetteer, extract, resolve_document
from agent.manuals import ManualSearch, citation, compose_manual_answer, find_passages
from agent.memory import ConversationMemory, Memory
from agent.messages import refusal, tool_error, unknown
from agent.router import route
from textkit.language import detect_language
from tools.registry import Caller, ToolContext, ToolRegistry, ToolResult

MAX_MESSAGE_CHARS = 2_000
MANUAL_TOOL = "search_manuals"  # answered by retrieval, not by a warehouse tool
MANUAL_PERMISSION = "KB.READ"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Reply:
    """One answer: the text and what produced it (the JSON of /api/chat and `sentient ask --json`)."""

    answer: str
    mode: str
    language: str
    tools: list[dict[str, Any]] = field(default_factory=list)
    data: list[Any] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    refused: bool = False
    intent: str = "unknown"
    # Why a model turn fell back to the deterministic text (ungrounded, model_timeout, breaker_open...).
    reason: str | None = None
    # How the model path went, for ai_chat: model, prompt_version, ttft_ms, model token counts.
    meta: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The reply as a JSON-able dict."""
        return {
            "answer": self.answer,
            "mode": self.mode,
            "language": self.language,
            "tools": self.tools,
            "data": self.data,
            "citations": self.citations,
            "refused": self.refused,
            "intent": self.intent,
            "reason": self.reason,
        }


def clean_message(message: str) -> str:
    """Drop control characters and cut absurd lengths, so nothing odd reaches the router or the log."""
    return _CONTROL.sub(" ", message).strip()[:MAX_MESSAGE_CHARS]


class Agent:
    """Answers questions with the tools; deterministic, so the same question gives the same answer."""

    def __init__(
        self,
        registry: ToolRegistry,
        sessions: sessionmaker[Session],
        today: Callable[[], date],
        *,
        reject_threshold_pct: float = 5.0,
        shift_plan_min: int = 480,
        memory: ConversationMemory | None = None,
        gazetteer_ttl_s: float = 300.0,
        manuals: ManualSearch | None = None,
    ) -> None:
        self.registry, self.sessions, self.today = registry, sessions, today
        self.reject_threshold_pct, self.shift_plan_min = reject_threshold_pct, shift_plan_min
        self.memory: ConversationMemory = memory or Memory()
        self.manuals = manuals
        self._gazetteer: tuple[float, Gazetteer] | None = None
        self._gazetteer_ttl_s = gazetteer_ttl_s
        self._lock = threading.Lock()

    def ask(self, caller: Caller, message: str, conversation_id: str | None = None) -> Reply:
        """Answer one message from a caller; follow-ups resolve against the conversation's last turn."""
        text = clean_message(message)
        lang = detect_language(text, caller.lang)
        style = style_for(caller.role, lang)
        key = conversation_id or caller.username
        with self.sessions() as session:
            today = self.today()
            ents = resolve_document(session, extract(text, self.gazetteer(session)))
            plan = route(text, lang, today, ents, self.memory.get(key)) if text else None
            allowed = [t for t in self.registry.tools if self.registry.allowed(t, caller)]
            if caller.may(MANUAL_PERMISSION):
                allowed.append(MANUAL_TOOL)
            if plan is None:
                return Reply(unknown(allowed, style), "deterministic", lang)
            if plan.tool == MANUAL_TOOL:
                self.memory.put(key, plan)
                return self._manual_reply(caller, text, plan.args, style, allowed)
            if not self.registry.allowed(plan.tool, caller):
                return Reply(
                    refusal(caller.role_name or caller.role, allowed, style),
                    "deterministic",
                    lang,
                    refused=True,
                    intent=plan.tool,
                )
            ctx = ToolContext(session, today, self.reject_threshold_pct, self.shift_plan_min)
            result = self.registry.execute(plan.tool, plan.args, caller, ctx)
        self.memory.put(key, plan)
        return self._reply(result, style)

    def _manual_reply(
        self, caller: Caller, text: str, args: dict[str, Any], style: Style, allowed: list[str]
    ) -> Reply:
        """A technical question: quoted, cited passages from the manuals the caller's role may read."""
        call = [{"name": MANUAL_TOOL, "args": args}]
        if not caller.may(MANUAL_PERMISSION):
            return Reply(
                refusal(caller.role_name or caller.role, allowed, style),
                "deterministic",
                style.lang,
                refused=True,
                intent=MANUAL_TOOL,
            )
        if self.manuals is None:
            message = style.t(
                "Maaf, pencarian manual belum tersedia.", "Sorry, manual search is not available."
            )
            return Reply(message, "deterministic", style.lang, call, intent=MANUAL_TOOL)
        hits = find_passages(self.manuals, text, style.lang, caller.role, args.get("machine"))
        cites = [citation(h) for h in hits[:2]]
        return Reply(
            compose_manual_answer(hits, style),
            "deterministic",
            style.lang,
            call,
            [{"hits": cites}],
            cites,
            intent=MANUAL_TOOL,
        )

    def _reply(self, result: ToolResult, style: Style) -> Reply:
        call = [{"name": result.name, "args": result.args}]
        if not result.ok:
            text = tool_error(result.error or "error", result.message, style)
            return Reply(text, "deterministic", style.lang, call, intent=result.name)
        data = result.data.model_dump(mode="json") if hasattr(result.data, "model_dump") else result.data
        return Reply(
            COMPOSERS[result.name](result.data, style),
            "deterministic",
            style.lang,
            call,
            [data],
            intent=result.name,
        )

    def gazetteer(self, session: Session) -> Gazetteer:
        """Known names, reloaded every few minutes so new customers and items are recognised."""
        with self._lock:
            now = time.monotonic()
            if self._gazetteer is None or now - self._gazetteer[0] > self._gazetteer_ttl_s:
                self._gazetteer = (now, Gazetteer.load(session))
            return self._gazetteer[1]
