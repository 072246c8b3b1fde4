"""The deterministic agent: one turn = route -> permission check -> tool -> composer, no LLM involved."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from agent.compose.base import COMPOSERS, Style, style_for
from agent.compose.semantic import compose_clarify, compose_lookup, compose_query, understood_line
from agent.entities import UUID_RE, extract, resolve_document
from agent.manuals import ManualSearch, citation, compose_manual_answer, find_passages
from agent.memory import ConversationMemory, Memory
from agent.messages import refusal, tool_error, unknown
from agent.router import Plan
from agent.understand.clarify import chosen_option
from agent.understand.context import Context
from agent.understand.decide import decide
from agent.understand.names import Names
from agent.understand.parse import Meaning, Parser
from semantic.access import denied
from semantic.catalog import CATALOG
from semantic.compiler import Compiler
from semantic.lookup import run_lookup
from semantic.picker import RollupPicker
from semantic.query import Lookup, Query
from textkit.language import detect_language
from tools.registry import Caller, ToolContext, ToolRegistry, ToolResult

MAX_MESSAGE_CHARS = 2_000  # longer messages are refused by the input check (guardrails.inputs)
MAX_KEPT_CHARS = 2 * MAX_MESSAGE_CHARS  # what cleaning keeps of an absurdly long one, for the log
MANUAL_TOOL = "search_manuals"  # answered by retrieval, not by a warehouse tool
MANUAL_PERMISSION = "KB.READ"
QUERY_TOOL, LOOKUP_TOOL = "query_metrics", "lookup_attributes"  # the catalog's two tools
SEMANTIC_TOOLS = (QUERY_TOOL, LOOKUP_TOOL)
ROLLUPS = RollupPicker()  # stateless: freshness is read per query
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
    """Drop control characters and cut absurd lengths, so nothing odd reaches the router or the log.

    The cut is well above MAX_MESSAGE_CHARS: a message over the limit must stay over it, so the input
    check refuses it as too long instead of the agent silently answering its first 2,000 characters."""
    return _CONTROL.sub(" ", message).strip()[:MAX_KEPT_CHARS]


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
        self._parser: tuple[float, Parser] | None = None
        self._names_ttl_s = gazetteer_ttl_s
        self._lock = threading.Lock()

    def ask(self, caller: Caller, message: str, conversation_id: str | None = None) -> Reply:
        """Answer one raw message (cleaned here; no input screening: that is the turn's, agent/screening)."""
        return self.answer(caller, clean_message(message), conversation_id)

    def answer(self, caller: Caller, text: str, conversation_id: str | None = None) -> Reply:
        """Answer cleaned text; follow-ups resolve against the conversation's last turn."""
        lang = detect_language(text, caller.lang)
        style = style_for(caller.role, lang)
        key = conversation_id or caller.username
        with self.sessions() as session:
            today = self.today()
            parser = self.parser(session)
            last = self.memory.get(key)
            plan = chosen_option(text, last)
            meaning = None
            if plan is None and text:
                meaning, plan = self._understand(session, parser, caller, text, lang, today, last)
            allowed = self.allowed(caller)
            if plan is None:
                return Reply(unknown(allowed, style, _echoable(meaning)), "deterministic", lang)
            reply = self._run(session, caller, plan, style, text, allowed, today)
            for part in plan.extra:
                reply = _joined(reply, self._run(session, caller, part, style, text, allowed, today))
        remembered = next((p for p in [*reversed(plan.extra), plan] if p.tool == "clarify"), plan)
        if remembered.tool != "cant":
            self.memory.put(key, remembered)
        note = understood_line(plan.notes, style)
        return replace(reply, answer=f"{reply.answer}\n{note}") if note and not reply.refused else reply

    def _understand(
        self,
        session: Session,
        parser: Parser,
        caller: Caller,
        text: str,
        lang: str,
        today: date,
        last: Plan | None,
    ) -> tuple[Meaning, Plan | None]:
        """Parse and decide; several questions in one message ("...? ...?") become one plan per part."""
        plans: list[Plan] = []
        meaning: Meaning | None = None
        unanswered: list[str] = []
        for part in split_questions(text):
            meaning = parser.parse(part, today, lang)
            docs = resolve_document(session, extract(part)) if meaning.doc or UUID_RE.search(part) else None
            plan = decide(
                meaning, Context(lang, today, plans[-1] if plans else last, parser.names, caller.may, docs)
            )
            if plan is None:
                unanswered.append(part)
            else:
                plans.append(plan)
        assert meaning is not None  # split_questions never returns an empty list for a non-empty text
        if not plans:
            return meaning, None
        first = plans[0]
        for later in plans[1:]:
            first.extra += [later, *later.extra]
            first.notes += later.notes
        if unanswered and len(plans) + len(unanswered) > 1:
            first.notes.append(
                ("not answered: " if lang == "en" else "belum bisa dijawab: ")
                + ", ".join(f"'{u[:40]}'" for u in unanswered[:2])
            )
        return meaning, first

    def allowed(self, caller: Caller) -> list[str]:
        """Tools (and the manual search) this caller may use, for menus."""
        allowed = [t for t in self.registry.tools if self.registry.allowed(t, caller)]
        if caller.may(MANUAL_PERMISSION):
            allowed.append(MANUAL_TOOL)
        allowed += [f"metric:{m.name}" for m in CATALOG.visible_metrics() if caller.may(m.permission)]
        allowed += [f"attr:{a.name}" for a in CATALOG.attributes.values() if caller.may(a.permission)]
        return allowed

    def _run(
        self,
        session: Session,
        caller: Caller,
        plan: Plan,
        style: Style,
        text: str,
        allowed: list[str],
        today: date,
    ) -> Reply:
        """Run one plan: a clarification, a can't, a catalog query or lookup, the manuals or a tool."""
        lang = style.lang
        if plan.tool == "clarify":
            labels = [o.label for o in plan.options]
            answer = compose_clarify(plan.args["question"], labels, style)
            return Reply(answer, "deterministic", lang, intent="clarify")
        if plan.tool == "cant":
            return Reply(plan.args["message"], "deterministic", lang)
        if plan.tool in SEMANTIC_TOOLS:
            return self._semantic(session, caller, plan, style, allowed, today)
        if plan.tool == MANUAL_TOOL:
            return self._manual_reply(caller, text, plan.args, style, allowed)
        if not self.registry.allowed(plan.tool, caller):
            return self._refused(caller, plan.tool, style, allowed)
        ctx = ToolContext(session, today, self.reject_threshold_pct, self.shift_plan_min)
        return self._reply(self.registry.execute(plan.tool, plan.args, caller, ctx), style)

    def _semantic(
        self, session: Session, caller: Caller, plan: Plan, style: Style, allowed: list[str], today: date
    ) -> Reply:
        """A catalog query or attribute lookup: validated, permission-checked, compiled, composed."""
        call = [{"name": plan.tool, "args": plan.args}]
        try:
            request = (
                Query.model_validate(plan.args)
                if plan.tool == QUERY_TOOL
                else Lookup.model_validate(plan.args)
            )
        except ValidationError:
            return Reply(
                tool_error("invalid_args", None, style), "deterministic", style.lang, call, intent=plan.tool
            )
        if denied(request, caller.permissions):
            return self._refused(caller, plan.tool, style, allowed)
        call = [{"name": plan.tool, "args": request.model_dump(mode="json", exclude_none=True)}]
        names = self.parser(session).names
        if isinstance(request, Query):
            result = Compiler(today, rollups=ROLLUPS).run(session, request)  # fresh rollups, else base tables
            answer = compose_query(result, style, names.name_of)
            data = result.as_json()
            # the names the answer shows for filtered codes are part of what it is grounded on
            data["names"] = {c: names.name_of(k, c) for k, codes in request.filters.items() for c in codes}
        else:
            found = run_lookup(session, request, today)
            answer, data = compose_lookup(found, style), found.as_json()
            # what the answer shows beside the values: the labels, and text values as plain words
            # ("Kawasan MM2100" is shown, and read by the grounding check, as its words)
            data["labels"] = {a: CATALOG.attributes[a].words.label(style.lang) for a in request.attributes}
            data["words"] = " ".join(
                w
                for f in found.found
                for v in f.values.values()
                if isinstance(v, str)
                for w in re.findall(r"[A-Za-z]+|\d+", v)
            )
        return Reply(answer, "deterministic", style.lang, call, [data], intent=plan.tool)

    def _refused(self, caller: Caller, tool: str, style: Style, allowed: list[str]) -> Reply:
        return Reply(
            refusal(caller.role_name or caller.role, allowed, style),
            "deterministic",
            style.lang,
            refused=True,
            intent=tool,
        )

    def _manual_reply(
        self, caller: Caller, text: str, args: dict[str, Any], style: Style, allowed: list[str]
    ) -> Reply:
        """A technical question: quoted, cited passages from the manuals the caller's role may read."""
        call = [{"name": MANUAL_TOOL, "args": args}]
        if not caller.may(MANUAL_PERMISSION):
            return self._refused(caller, MANUAL_TOOL, style, allowed)
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

    def parser(self, session: Session) -> Parser:
        """The parser with the database's names, reloaded every few minutes (new customers, items)."""
        with self._lock:
            now = time.monotonic()
            if self._parser is None or now - self._parser[0] > self._names_ttl_s:
                self._parser = (now, Parser(Names.load(session)))
            return self._parser[1]


_PARTS = re.compile(r"[?;\n]+")
MAX_PARTS = 4  # questions answered from one message


def split_questions(text: str) -> list[str]:
    """A message's questions: split at '?', ';' and new lines (one part when there is one question)."""
    parts = [p.strip() for p in _PARTS.split(text) if len(p.strip()) > 1]
    return parts[:MAX_PARTS] or [text]


ECHO_MAX_WORDS = 10  # a longer message's unknown words are not repeated back (they may be a payload)


def _echoable(meaning: Meaning | None) -> list[str]:
    """The words not understood, to name in the reply: only of a short question, at most three."""
    if meaning is None or len(meaning.norm.tokens) > ECHO_MAX_WORDS:
        return []
    return meaning.leftovers[:3]


def _joined(first: Reply, second: Reply) -> Reply:
    """A multi-part answer: both texts, tools and data, refused only if every part was."""
    return replace(
        first,
        answer=f"{first.answer}\n\n{second.answer}",
        tools=[*first.tools, *second.tools],
        data=[*first.data, *second.data],
        refused=first.refused and second.refused,
    )
