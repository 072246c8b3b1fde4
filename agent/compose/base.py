"""The composer contract: a function per tool turns its data into short WhatsApp-friendly text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textkit.roles import Tier, tier_of


@dataclass(frozen=True)
class Style:
    """How to phrase an answer: language ('id' or 'en') and role tier."""

    lang: str
    tier: Tier

    def t(self, id_text: str, en_text: str) -> str:
        """Pick the text of the answer's language."""
        return id_text if self.lang == "id" else en_text


def style_for(role: str, lang: str) -> Style:
    """The style for a role code and language."""
    return Style(lang="en" if lang == "en" else "id", tier=tier_of(role))


Composer = Callable[[Any, Style], str]
COMPOSERS: dict[str, Composer] = {}


def composer(tool_name: str) -> Callable[[Composer], Composer]:
    """Decorator: register the composer of a tool's result."""

    def wrap(func: Composer) -> Composer:
        COMPOSERS[tool_name] = func
        return func

    return wrap


MAX_LINES = 12  # WhatsApp answers stay short; longer lists end with "and N more"


def bullet_list(lines: list[str], style: Style, limit: int = MAX_LINES) -> list[str]:
    """At most `limit` bullet lines, then one line saying how many more there are."""
    shown = [f"• {line}" for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(style.t(f"… dan {len(lines) - limit} lainnya", f"… and {len(lines) - limit} more"))
    return shown
