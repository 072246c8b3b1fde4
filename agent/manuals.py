"""Technical questions answered from the manuals: the best passage quoted, cited, in the user's language."""

from __future__ import annotations

import re
from typing import Any, Protocol

from agent.compose.base import Style
from retrieval.types import Hit, SearchFilter

QUOTE_CHARS = 700


class ManualSearch(Protocol):
    """What the agent needs from retrieval."""

    def search(
        self,
        query: str,
        k: int = 5,
        flt: SearchFilter | None = None,
        mode: str = "hybrid",
        lang: str | None = None,
    ) -> list[Hit]:
        """The k best chunks for a query."""
        ...


def find_passages(
    search: ManualSearch, question: str, lang: str, role: str, machine: str | None
) -> list[Hit]:
    """Best passages, preferring the question's language when a manual in it answers the same thing."""
    base = SearchFilter(machine=machine, role=role)
    anywhere = _codes_first(question, search.search(question, k=5, flt=base, lang=lang))
    if not anywhere or anywhere[0].chunk.lang == lang:
        return anywhere
    in_lang = SearchFilter(machine=machine, role=role, lang=lang)
    same_lang = _codes_first(question, search.search(question, k=5, flt=in_lang, lang=lang))
    top = anywhere[0].chunk
    # The translation of the same section of the same machine's manual beats quoting the other language.
    twins = [
        h
        for h in same_lang
        if set(h.chunk.machines) & set(top.machines)
        and _last(h.chunk.section)
        and _same_topic(h.chunk.section, top.section)
    ]
    return twins + anywhere if twins else anywhere


def _codes_first(question: str, hits: list[Hit]) -> list[Hit]:
    """An error code the question names wins: the section titled with it comes first, order kept otherwise."""
    codes = {c.upper() for c in re.findall(r"\b[a-zA-Z]-\d{3}\b", question)}
    if not codes:
        return hits
    return sorted(hits, key=lambda h: not any(code in h.chunk.section.upper() for code in codes))


def _last(section: str) -> str:
    return section.split(" > ")[-1].strip()


def _same_topic(a: str, b: str) -> bool:
    """Sections about the same code (E-410) or at the same position in translated manuals."""
    code_a, code_b = re.findall(r"\b[A-Z]-\d{3}\b", a), re.findall(r"\b[A-Z]-\d{3}\b", b)
    if code_a or code_b:
        return bool(set(code_a) & set(code_b))
    return a.count(" > ") == b.count(" > ")


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """The passage, cut at a sentence or line end before `limit` characters."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("\n"))
    return (cut[: end + 1] if end > limit // 2 else cut).rstrip() + " …"


def citation(hit: Hit) -> dict[str, Any]:
    """The citation of one passage: document, section, lines, score and language."""
    c = hit.chunk
    return {
        "source": c.source,
        "section": c.section,
        "line_start": c.line_start,
        "line_end": c.line_end,
        "score": round(hit.score, 4),
        "lang": c.lang,
        "machines": list(c.machines),
    }


def compose_manual_answer(hits: list[Hit], style: Style) -> str:
    """Extractive answer: the best passage quoted with its citation, then one more section to read."""
    if not hits:
        return style.t(
            "Maaf, saya tidak menemukan jawabannya di manual mesin.",
            "Sorry, I could not find that in the machine manuals.",
        )
    best = hits[0].chunk
    note = ""
    if best.lang != style.lang:
        note = style.t(" (dari manual berbahasa Inggris)", " (from the Indonesian manual)")
    lines = [
        f"*Manual: {best.section}*{note}",
        quote(best.text),
        style.t(
            f"Sumber: {best.source}, baris {best.line_start}–{best.line_end}",
            f"Source: {best.source}, lines {best.line_start}–{best.line_end}",
        ),
    ]
    others = [h.chunk for h in hits[1:] if (h.chunk.source, h.chunk.section) != (best.source, best.section)]
    if others:
        lines.append(
            style.t(
                f"Lihat juga: {others[0].section} ({others[0].source})",
                f"See also: {others[0].section} ({others[0].source})",
            )
        )
    if style.tier == "operator":
        lines.append(
            style.t(
                "Utamakan keselamatan: jangan pernah mem-bypass sensor, pelindung atau interlock.",
                "Safety first: never bypass sensors, guards or interlocks.",
            )
        )
    return "\n".join(lines)
