"""Chunk metadata: language, machines, document type and roles, from front matter, path, headings and text.

A Markdown or AsciiDoc file may open with a small front-matter block that wins over detection:

    ---
    machines: [MCH-003]
    doc_type: troubleshooting
    lang: en
    roles: [OPERATOR, MANAGER_PROD]
    ---

The loaders keep those lines (raw) at the start of the document's first section so that line numbers stay
true; `front_matter(doc)` reads them back and the chunker blanks them before cutting chunks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TypedDict

from retrieval.types import Document
from textkit.language import detect_language

DOC_TYPES = ("manual", "safety", "troubleshooting", "maintenance", "reference")

# Machine names and models (normalised: lower case, runs of other characters as one space) -> code. They
# come from the warehouse's machine master at ingest (retrieval/machines.py), never from a list here.
MachineNames = tuple[tuple[str, str], ...]

# Keywords per document type, checked on normalised words; the first type whose keyword appears wins.
_TYPE_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("safety", ("safety", "keselamatan", "k3", "hazard", "hazards", "bahaya", "lockout", "loto", "apd")),
    ("troubleshooting", (
        "troubleshooting", "troubleshoot", "error code", "error codes", "errors", "fault", "faults", "alarm",
        "alarms", "diagnostics", "diagnosis", "kode error", "kode kesalahan", "gangguan", "pemecahan masalah",
    )),
    ("maintenance", (
        "maintenance", "perawatan", "pemeliharaan", "lubrication", "pelumasan", "service interval", "servis",
    )),
    ("reference", ("reference", "referensi", "specification", "specifications", "spesifikasi", "glossary")),
)  # fmt: skip

_FM_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)\s*:\s*(.*?)\s*$")
_FM_ITEM = re.compile(r"^\s*-\s+(.*?)\s*$")
_CODE = re.compile(r"\bmch (\d{3})\b")
_FRONT_MATTER_MAX_LINES = 60


class ChunkMeta(TypedDict):
    """Metadata the chunker copies onto every chunk of a section."""

    lang: str
    machines: tuple[str, ...]
    doc_type: str
    roles: tuple[str, ...]


def front_matter_span(lines: Sequence[str]) -> int:
    """Number of lines the opening `---` ... `---` block takes (0 when the file has none)."""
    if not lines or lines[0].strip() != "---":
        return 0
    for i in range(1, min(len(lines), _FRONT_MATTER_MAX_LINES)):
        if lines[i].strip() in ("---", "..."):
            return i + 1
        if lines[i].strip() and not (_FM_LINE.match(lines[i]) or _FM_ITEM.match(lines[i])):
            return 0  # not key/value lines: a thematic break, not front matter
    return 0


def parse_front_matter(lines: Sequence[str]) -> dict[str, str | list[str]]:
    """Keys of the front-matter block: scalars as strings, `[a, b]` and `- a` lists as lists."""
    span = front_matter_span(lines)
    result: dict[str, str | list[str]] = {}
    key = ""
    for line in lines[1 : span - 1]:
        item = _FM_ITEM.match(line)
        if item and key:
            current = result.get(key)
            result[key] = [*(current if isinstance(current, list) else []), _unquote(item.group(1))]
            continue
        m = _FM_LINE.match(line)
        if not m:
            continue
        key, value = m.group(1).lower(), m.group(2)
        if value.startswith("[") and value.endswith("]"):
            result[key] = [_unquote(v) for v in value[1:-1].split(",") if v.strip()]
        else:
            result[key] = _unquote(value)
    return result


def front_matter(doc: Document) -> dict[str, str | list[str]]:
    """The document's front matter, read from the raw opening lines of its first section."""
    if not doc.sections or doc.sections[0].line_start != 1:
        return {}
    return parse_front_matter(
        doc.sections[0].text.split("\n", _FRONT_MATTER_MAX_LINES)[:_FRONT_MATTER_MAX_LINES]
    )


def normalise(text: str) -> str:
    """Lower case with every run of non-alphanumerics as one space, padded, for phrase matching."""
    return " " + re.sub(r"[^0-9a-z]+", " ", text.lower()).strip() + " "


def find_machines(text: str, machines: MachineNames = ()) -> set[str]:
    """Machine codes named in the text, directly (MCH-003) or by a machine's name or model."""
    norm = normalise(text)
    found = {f"MCH-{m}" for m in _CODE.findall(norm)}
    found.update(code for name, code in machines if f" {name} " in norm)
    return found


def doc_type_of(texts: Sequence[str]) -> str | None:
    """The document type named by keywords in the texts, the first text taking precedence."""
    for text in texts:
        norm = normalise(text)
        for doc_type, words in _TYPE_KEYWORDS:
            if any(f" {w} " in norm for w in words):
                return doc_type
    return None


def detect_metadata(
    doc: Document, section_text: str, heading_path: Sequence[str], machines: MachineNames = ()
) -> ChunkMeta:
    """Document-level metadata (front matter wins) merged with what the section itself mentions."""
    base = document_metadata(doc, machines)
    own_headings = heading_path[1:] if heading_path and heading_path[0] == doc.title else heading_path
    # The title is document-level: it counts only where front matter does not name the machines.
    found = set(base["machines"]) | find_machines(" ".join([*own_headings, section_text]), machines)
    doc_type = base["doc_type"]
    if doc_type == "manual" and str(front_matter(doc).get("doc_type", "")).lower() not in DOC_TYPES:
        # A general manual's error-code or safety chapter is still filterable by its kind.
        doc_type = doc_type_of(list(reversed(heading_path))) or "manual"
    return ChunkMeta(lang=base["lang"], machines=tuple(sorted(found)), doc_type=doc_type, roles=base["roles"])


@lru_cache(maxsize=16)
def document_metadata(doc: Document, machines: MachineNames = ()) -> ChunkMeta:
    """Metadata that holds for the whole document: front matter, else the file name, title and text."""
    fm = front_matter(doc)
    declared = _as_list(fm.get("machines"))
    # Front matter may name a machine by code or by model; detection only runs when it names none.
    codes = {c for m in declared for c in (find_machines(m, machines) or {m.upper()})}
    if not declared:
        codes = find_machines(f"{doc.source} {doc.title}", machines)
    doc_type = str(fm.get("doc_type", "")).lower()
    if doc_type not in DOC_TYPES:
        doc_type = doc_type_of([doc.source.rsplit("/", 1)[-1], doc.title, doc.source]) or "manual"
    roles = tuple(r.upper() for r in _as_list(fm.get("roles")))
    return ChunkMeta(lang=_language(doc, fm), machines=tuple(sorted(codes)), doc_type=doc_type, roles=roles)


def _language(doc: Document, fm: dict[str, str | list[str]]) -> str:
    """Front matter, then a `.id.`/`.en.` marker in the file name, then marker words in the text."""
    declared = str(fm.get("lang", "")).lower()
    if declared in ("en", "id"):
        return declared
    name = doc.source.rsplit("/", 1)[-1].lower()
    for lang in ("id", "en"):
        if f".{lang}." in name:
            return lang
    sample = "\n".join(s.text for s in doc.sections)[:20000]
    return detect_language(sample, "en")


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else value.split(",")
    return [v.strip() for v in items if v.strip()]


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value
