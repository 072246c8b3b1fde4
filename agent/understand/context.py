"""What deciding needs besides the meaning, and the small helpers every part of it shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from agent.entities import Entities
from agent.periods import this_month
from agent.router import Plan
from agent.understand.names import Names
from agent.understand.parse import Meaning
from semantic.catalog import CATALOG
from tools.common import Period


@dataclass
class Context:
    """What deciding needs besides the meaning."""

    lang: str
    today: date
    last: Plan | None
    names: Names
    may: Callable[[str | tuple[str, ...]], bool]  # the caller's permission check (for offered options)
    documents: Entities | None = None  # a document number or uuid, resolved (a DO -> its SO)

    def t(self, id_text: str, en_text: str) -> str:
        """Text in the answer's language."""
        return en_text if self.lang == "en" else id_text


def names_of(ctx: Context, kind: str, codes: list[str]) -> str:
    """The names of codes of a kind, for messages."""
    return ", ".join(ctx.names.name_of(kind, c) or c for c in codes)


def metric_label(metric: str, ctx: Context) -> str:
    """A metric's label in the answer's language."""
    return CATALOG.metrics[metric].words.label(ctx.lang) if metric in CATALOG.metrics else metric


def default_period(metric: str, ctx: Context) -> Period | None:
    """This month for a flow; none for a balance."""
    if CATALOG.metrics[metric].time == "snapshot":
        return None
    return this_month(ctx.today, ctx.lang)


def first_period(m: Meaning) -> Period | None:
    """The first period the message names."""
    return m.periods[0][1] if m.periods else None
