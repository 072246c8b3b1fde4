"""Planted instructions in documents: sentences that address the assistant are cut from passages.

Retrieved passages and tool text are data. A sentence in them that gives the assistant orders ("ignore
previous instructions", "SYSTEM: ...", "[ADMIN REQUEST::...]", "AI, reply with ...") or a link that could
carry data out is replaced by "[…]" before the passage is quoted to a user (ChatService) or put in a
prompt (prompts.render). Everything else, including safety rules written as commands to people, stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from guardrails.outputs import strip_links
from guardrails.patterns import INJECTION

REMOVED = "[…]"
# Input patterns that are also a sign of a planted instruction inside a document. "you are now" and
# role-play phrasing are left out: manuals say "you are now in setup mode" to people.
_DOC_NAMES = {
    "ignore previous instructions",
    "forget the rules",
    "abaikan instruksi",
    "system prompt",
    "systemprompt identifier",
    "prompt sistem",
    "reveal instructions",
    "new instructions",
    "jailbreak mode",
    "ignore the above",
    "ignore instructions (other languages)",
}
_PATTERNS = [p for name, p in INJECTION if name in _DOC_NAMES]
_MARKERS = re.compile(
    r"^\s*(?:system|assistant|admin|instruction)s?\s*[:>]|\[\s*(?:admin|system)[^\]]*\]|<\s*/?\s*instruction"
    r"|\b(?:ai|assistant|chatbot|language model|llm|gpt|bot)\b[,:]?\s+"
    r"(?:must|should|shall|will|please|now)?\s*"
    r"(?:print|say|reply|respond|answer|output|write|tell|state|declare|send)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*\n?|\n")
_LINK_HINT = re.compile(r"https?:|www\.|!\[|<\s*(?:img|a|iframe|script)\b|\b(?:data|javascript):", re.I)


@dataclass
class Neutralised:
    """A passage with planted instructions and links removed, and what was removed."""

    text: str
    removed: list[str] = field(default_factory=list)


def planted(sentence: str) -> bool:
    """Whether a sentence gives the assistant orders (a marker or a document-shaped injection pattern)."""
    folded = re.sub(r"\s+", " ", sentence.lower())
    return bool(_MARKERS.search(sentence)) or any(p.search(folded) for p in _PATTERNS)


def neutralise(text: str) -> Neutralised:
    """The text without sentences that instruct the assistant and without links or images."""
    removed: list[str] = []
    out: list[str] = []
    for sentence in _SENTENCE.findall(text):
        if sentence.strip() and planted(sentence):
            removed.append(sentence.strip())
            lead = sentence[: len(sentence) - len(sentence.lstrip())]
            out.append(lead + REMOVED + ("\n" if sentence.endswith("\n") else " "))
        else:
            out.append(sentence)
    cleaned = "".join(out)
    if _LINK_HINT.search(cleaned):
        stripped = strip_links(cleaned)
        removed.append("link")
        cleaned = stripped
    return Neutralised(cleaned if text.endswith((" ", "\n")) else cleaned.rstrip(), removed)


def neutralise_data(value: object) -> object:
    """Every string inside JSON-like data neutralised (dict keys kept as they are)."""
    if isinstance(value, str):
        return neutralise(value).text
    if isinstance(value, dict):
        return {k: neutralise_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [neutralise_data(v) for v in value]
    return value
