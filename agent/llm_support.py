"""Pieces the LLM path shares: the resting line, prompt context, grounding sources, answer checks."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from agent.core import Reply
from guardrails import check_output
from guardrails.facts import Facts
from guardrails.grounding import CODE
from guardrails.numbers import find_numbers
from guardrails.quarantine import relayed
from prompts import ContextItem
from tools.registry import Caller, ToolRegistry

# The sandwich's own markup (prompts/templates/*/context.*.md) showing up in an answer: the model is
# reciting its prompt instead of answering.
SCAFFOLDING = re.compile(
    r"</?data>|\bDATA \(from the factory|system (message|prompt) (is|says)", re.IGNORECASE
)

RESTING = {
    "id": "(Asisten AI sedang istirahat; jawaban ini langsung dari data.)",
    "en": "(The AI assistant is resting; this answer comes straight from the data.)",
}


@dataclass(frozen=True)
class Check:
    """The output checks' verdict on a model answer: the text to show, or why it cannot be used."""

    ok: bool
    text: str
    reason: str | None = None


def resting_line(lang: str) -> str:
    """One short line telling the user the model is not answering right now."""
    return RESTING.get(lang, RESTING["en"])


def fallback(reply: Reply, reason: str, *, resting: bool, meta: dict[str, Any] | None = None) -> Reply:
    """The deterministic reply as a fallback turn; `resting` adds the AI-is-resting line."""
    answer = f"{reply.answer}\n\n{resting_line(reply.language)}" if resting else reply.answer
    return replace(reply, answer=answer, mode="fallback", reason=reason, meta={**reply.meta, **(meta or {})})


def phrasable(reply: Reply) -> bool:
    """Whether the model may phrase this reply: a tool answered with data (refusals and unknowns stay)."""
    return not reply.refused and reply.intent != "unknown" and bool(reply.data) and bool(reply.tools)


def context_items(reply: Reply) -> list[ContextItem]:
    """The tool data of a deterministic reply as prompt context items."""
    names = [t.get("name", "data") for t in reply.tools] or ["data"]
    items = [ContextItem(name=names[min(i, len(names) - 1)], data=d) for i, d in enumerate(reply.data)]
    if reply.citations:
        items.append(ContextItem(name="citations", data=reply.citations))
    return items


def sources_of(reply: Reply, extra: list[Any] | None = None) -> list[Any]:
    """What a model answer may draw on: the tool data and the deterministic text computed from it."""
    return [*reply.data, *reply.citations, reply.answer, *(extra or [])]


def check_answer(
    answer: str,
    *,
    system_prompt: str,
    sources: list[Any],
    must_carry: str | None = None,
    facts: Facts | None = None,
) -> Check:
    """Output checks on a model answer: prompt leak, links, unsafe advice, grounding in the sources; with
    `must_carry` (the deterministic answer) also that it states that answer's headline figure."""
    text = answer.strip()
    if not text:
        return Check(False, "", "empty_answer")
    if SCAFFOLDING.search(text):
        return Check(False, text, "leak: repeats the prompt's scaffolding")
    verdict = check_output(text, system_prompt=system_prompt, sources=sources, facts=facts)
    if not verdict.ok:
        return Check(False, text, f"{verdict.category or 'output_check'}: {verdict.reason}"[:200])
    planted = relayed(verdict.text)
    if planted:
        return Check(False, text, f"planted: relays {planted}"[:200])
    if must_carry is not None and not carries_headline(verdict.text, must_carry):
        return Check(False, text, "missing_figure: the answer drops the figure asked for")
    return Check(True, verdict.text)


def carries_headline(answer: str, deterministic: str) -> bool:
    """Whether the answer states a number or code of the deterministic answer's first line (its headline).

    Grounding only says nothing in the answer is made up; an answer with no figures at all (chatter, a
    reply to an injected question) passes it trivially, so the phrasing must also carry the figure asked
    for. A headline without numbers or codes asks for nothing in particular.
    """
    headline = next((line for line in deterministic.splitlines() if line.strip()), "")
    codes = {c.lower() for c in CODE.findall(headline)}
    if codes and any(c.lower() in codes for c in CODE.findall(answer)):
        return True
    wanted = [r.value for _, reads in find_numbers(CODE.sub(" ", headline)) for r in reads]
    if not wanted and not codes:
        return True
    return any(
        abs(r.value - w) <= r.tolerance or abs(abs(r.value) - abs(w)) <= r.tolerance
        for _, reads in find_numbers(CODE.sub(" ", answer))
        for r in reads
        for w in wanted
    )


def tool_specs(registry: ToolRegistry, caller: Caller) -> list[dict[str, Any]]:
    """OpenAI function specs of the tools this caller may run (the registry still checks each call)."""
    specs = []
    for name, tool in registry.tools.items():
        if not registry.allowed(name, caller):
            continue
        schema = tool.schema()
        schema.pop("title", None)
        function = {"name": name, "description": tool.description, "parameters": schema}
        specs.append({"type": "function", "function": function})
    return specs


def as_tool_message(call_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A tool result as the chat message that goes back to the model."""
    content = json.dumps(payload, ensure_ascii=False, default=str)
    return {"role": "tool", "tool_call_id": call_id, "content": content}
