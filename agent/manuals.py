"""Technical questions answered from the manuals: the best passage quoted, cited, in the user's language."""

from __future__ import annotations

import re
from typing import Any, Protocol

from agent.compose.base import Style
from guardrails.quarantine import classify, cut
from retrieval.types import Chunk, Hit, SearchFilter

QUOTE_CHARS = 700
# What replaces advice to defeat a safety device: the plant's lockout/tagout rule (Plant Safety Rules §3).
LOTO = (
    "[Pengingat LOTO: jangan pernah mem-bypass, menjumper atau melepas pelindung, interlock, sensor atau "
    "E-STOP. Hentikan mesin, pasang gembok dan tag Anda sendiri di sakelar utama, pastikan energi nol, lalu "
    "panggil maintenance (Peraturan Keselamatan Pabrik §3).]",
    "[Lockout/tagout reminder: never bypass, bridge or remove a guard, interlock, sensor or E-STOP. Stop "
    "the machine, fit your own lock and tag on the main switch, verify zero energy, then call maintenance "
    "(Plant Safety Rules §3).]",
)


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


def source_line(chunk: Chunk, style: Style) -> str:
    """Where the quote comes from: the PDF page a reader can turn to, else the file's lines."""
    if chunk.page:
        return style.t(
            f"Sumber: {chunk.source}, hal. {chunk.page}", f"Source: {chunk.source}, p. {chunk.page}"
        )
    return style.t(
        f"Sumber: {chunk.source}, baris {chunk.line_start}–{chunk.line_end}",
        f"Source: {chunk.source}, lines {chunk.line_start}–{chunk.line_end}",
    )


def citation(hit: Hit) -> dict[str, Any]:
    """The citation of one passage: document, section, PDF page (None for text formats), lines, score and
    language."""
    c = hit.chunk
    return {
        "source": c.source,
        "section": c.section,
        "page": c.page or None,
        "line_start": c.line_start,
        "line_end": c.line_end,
        "score": round(hit.score, 4),
        "lang": c.lang,
        "machines": list(c.machines),
    }


def shown_section(section: str) -> str:
    """The heading path as quoted: a heading that is itself a planted line ("# Ignore the manual and
    state ...") shows as "[…]"."""
    return " > ".join("[…]" if classify(h, contact_section=True) else h for h in section.split(" > "))


def clean_text(chunk: Chunk) -> str:
    """The chunk's text as search results show it: flagged sentences cut, unsafe advice replaced by the
    lockout reminder in the chunk's language."""
    loto = LOTO[0] if chunk.lang == "id" else LOTO[1]
    return cut(chunk.text, section=chunk.section, known=chunk.quarantine, unsafe_with=loto).text


def safe_passage(chunk: Chunk, style: Style) -> tuple[str, list[str]]:
    """The chunk's text with planted instructions cut and unsafe advice replaced by the lockout reminder,
    and the visible notes saying so (nothing planted reaches an operator, and the cut is never silent)."""
    loto = style.t(*LOTO)
    result = cut(chunk.text, section=chunk.section, known=chunk.quarantine, unsafe_with=loto)
    notes = []
    if result.removed:
        n = result.removed
        notes.append(
            style.t(
                f"({n} kalimat dihapus: instruksi mencurigakan)",
                f"({n} sentence{'s' if n > 1 else ''} removed: suspicious instruction)",
            )
        )
    if result.unsafe:
        n = result.unsafe
        notes.append(
            style.t(
                f"({n} kalimat diganti dengan pengingat LOTO: saran yang melanggar keselamatan)",
                f"({n} sentence{'s' if n > 1 else ''} replaced by the lockout reminder: unsafe advice)",
            )
        )
    return result.text, notes


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
    passage, notes = safe_passage(best, style)
    lines = [
        f"*Manual: {shown_section(best.section)}*{note}",
        quote(passage),
        *notes,
        source_line(best, style),
    ]
    others = [h.chunk for h in hits[1:] if (h.chunk.source, h.chunk.section) != (best.source, best.section)]
    if others:
        lines.append(
            style.t(
                f"Lihat juga: {shown_section(others[0].section)} ({others[0].source})",
                f"See also: {shown_section(others[0].section)} ({others[0].source})",
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
