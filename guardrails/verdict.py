"""The one result type of every guardrail check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Category = Literal["injection", "too_long", "cross_role", "leak", "exfil_link", "unsafe_advice", "ungrounded"]


@dataclass(frozen=True)
class Verdict:
    """Whether a text passed a check, why not, and the cleaned (or masked) text to use instead."""

    ok: bool
    reason: str | None
    text: str
    category: Category | None = None

    @classmethod
    def passed(cls, text: str) -> Verdict:
        """A text that passed, possibly cleaned."""
        return cls(True, None, text, None)

    @classmethod
    def failed(cls, category: Category, reason: str, text: str) -> Verdict:
        """A text that failed one check."""
        return cls(False, reason, text, category)
