"""Ingestion's quarantine: each chunk's suspicious sentences stored on it, and the table of what was found.

A flagged sentence stays in the stored text (search still finds the section) but is carried in the chunk's
`quarantine` field, so the answer cuts it even if the answer-time scan would no longer flag it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from guardrails.quarantine import REASONS, scan
from retrieval.types import Chunk

_PROBE_CHARS = 40  # enough of a sentence's start to find its line in the file


@dataclass(frozen=True)
class QuarantineRow:
    """One flagged sentence: file, 1-based line, kind and the sentence."""

    source: str
    line: int
    kind: str
    sentence: str

    @property
    def reason(self) -> str:
        """The kind in words."""
        return REASONS[self.kind]


def flag_chunks(chunks: list[Chunk]) -> list[Chunk]:
    """The chunks with their section's suspicious sentences recorded in `quarantine`.

    A section is scanned whole (its chunks joined), so a sentence cut in two by a chunk boundary is still
    seen whole; each chunk of the section carries the section's findings, and the answer cuts a fragment
    of a flagged sentence as well as the sentence (guardrails.quarantine.cut)."""
    by_section: dict[tuple[str, str], list[Chunk]] = {}
    for chunk in chunks:
        by_section.setdefault((chunk.source, chunk.section), []).append(chunk)
    found = {
        key: tuple(
            dict.fromkeys((f.kind, f.sentence) for f in scan(" ".join(c.text for c in group), section=key[1]))
        )
        for key, group in by_section.items()
    }
    return [
        replace(c, quarantine=found[(c.source, c.section)]) if found[(c.source, c.section)] else c
        for c in chunks
    ]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def quarantine_rows(chunks: list[Chunk], path: Path) -> list[QuarantineRow]:
    """One row per flagged sentence of a file and section (every chunk of a section carries the section's
    findings; each is counted once, at the line of the section where it starts)."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.suffix != ".pdf" else []
    spans: dict[tuple[str, str], tuple[int, int]] = {}
    for c in chunks:
        first, last = spans.get((c.source, c.section), (c.line_start, c.line_end))
        spans[(c.source, c.section)] = (min(first, c.line_start), max(last, c.line_end))
    rows: dict[tuple[str, str, str], QuarantineRow] = {}
    for chunk in chunks:
        first, last = spans[(chunk.source, chunk.section)]
        for kind, sentence in chunk.quarantine:
            if (chunk.section, kind, sentence) not in rows:
                line = _line_of(sentence, lines, first, last)
                rows[(chunk.section, kind, sentence)] = QuarantineRow(chunk.source, line, kind, sentence)
    return sorted(rows.values(), key=lambda r: (r.line, r.kind))


def _line_of(sentence: str, lines: list[str], first: int, last: int) -> int:
    """The file line where a sentence starts (searched within its chunk's lines), else the chunk's first."""
    probe = _squash(sentence)[:_PROBE_CHARS]
    for n in range(max(first, 1), min(last, len(lines)) + 1):
        if probe and probe in _squash(lines[n - 1]):
            return n
    return first
