"""Section-aware chunking sized in tokens, with overlap inside a section and true file line ranges.

Rules:
- Text is never merged across sections, with one exception: a tiny section (under `merge_below` tokens,
  typically a bare heading such as "== Error codes" or a document title) directly followed by one of its
  own subsections is carried into that subsection's first chunk, so a parent heading is never a chunk of
  its own and its words stay searchable with the text below it. Tiny sections followed by a sibling stay
  separate chunks: merging siblings would make a citation point at the wrong section.
- A section larger than `max_tokens` is cut at paragraph, then line, then sentence, then word boundaries;
  each chunk after the first of a section starts with about `overlap_tokens` of the previous one.
- Chunk text is the raw text (blank runs collapsed); `section` is the heading path joined with " > ".
- Ids are `{sha1(source)[:12]}:{sha1(section path + occurrence)[:8]}:{n:03d}:{sha1(text)[:8]}`: the same
  content always gives the same ids, and an edit only changes ids within the section it touches.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Protocol

from retrieval.metadata import MachineNames, detect_metadata, front_matter_span
from retrieval.types import Chunk, Document, Section

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LINE, _SENTENCE, _WORD, _CHARS = 1, 2, 3, 4  # refinement levels below a paragraph (0)


class TokenCounting(Protocol):
    """Counts tokens (textkit.tokens.TokenCounter in production)."""

    def count(self, text: str) -> int:
        """Number of tokens in the text."""
        ...


@dataclass(frozen=True)
class _Piece:
    text: str
    first: int  # file lines covered, 1-based inclusive
    last: int
    tokens: int
    sep: str  # what joins this piece to the one before it in a chunk
    level: int  # 0 paragraph, then _LINE, _SENTENCE, _WORD, _CHARS


def chunk_document(
    doc: Document,
    counter: TokenCounting,
    *,
    max_tokens: int = 320,
    overlap_tokens: int = 48,
    merge_below: int = 20,
    machines: MachineNames = (),
) -> list[Chunk]:
    """Cut a loaded document into chunks of at most max_tokens, carrying heading path, lines and metadata."""
    if max_tokens < 32 or not 0 <= overlap_tokens <= max_tokens // 2:
        raise ValueError("need max_tokens >= 32 and 0 <= overlap_tokens <= max_tokens / 2")
    source_key = _sha1(doc.source)[:12]
    seen: Counter[str] = Counter()
    chunks: list[Chunk] = []
    for section, lines in _groups(doc, counter, merge_below):
        label = " > ".join(section.heading_path)
        seen[label] += 1
        section_key = _sha1(f"{label}#{seen[label]}")[:8]
        meta = detect_metadata(doc, "\n".join(text for _, text in lines), section.heading_path, machines)
        pieces = _pieces(lines, counter, max_tokens - overlap_tokens - 4)
        for n, (text, tokens, first, last) in enumerate(_pack(pieces, counter, max_tokens, overlap_tokens)):
            chunks.append(
                Chunk(
                    id=f"{source_key}:{section_key}:{n:03d}:{_sha1(text)[:8]}",
                    text=text,
                    source=doc.source,
                    section=label,
                    line_start=first,
                    line_end=last,
                    tokens=tokens,
                    doc_type=meta["doc_type"],
                    lang=meta["lang"],
                    machines=meta["machines"],
                    roles=meta["roles"],
                    content_hash=doc.content_hash,
                    page=doc.page_of(first),
                )
            )
    return chunks


def _groups(
    doc: Document, counter: TokenCounting, merge_below: int
) -> list[tuple[Section, list[tuple[int, str]]]]:
    """Each section's numbered lines (front matter blanked), tiny parents carried into their first child."""
    groups: list[tuple[Section, list[tuple[int, str]]]] = []
    carried: list[tuple[int, str]] = []
    for k, section in enumerate(doc.sections):
        lines = carried + _numbered(section)
        carried = []
        if not any(text.strip() for _, text in lines):
            continue
        following = doc.sections[k + 1] if k + 1 < len(doc.sections) else None
        path = section.heading_path
        if (
            following is not None
            and following.heading_path[: len(path)] == path
            and len(following.heading_path) > len(path)
            and counter.count("\n".join(text for _, text in lines)) < merge_below
        ):
            carried = lines
            continue
        groups.append((section, lines))
    return groups


def _numbered(section: Section) -> list[tuple[int, str]]:
    texts = section.text.split("\n")
    if section.line_start == 1:
        span = front_matter_span(texts)
        texts = [""] * span + texts[span:]  # front matter is metadata, not searchable text
    return [(section.line_start + i, text) for i, text in enumerate(texts)]


def _pieces(lines: list[tuple[int, str]], counter: TokenCounting, limit: int) -> list[_Piece]:
    """Paragraphs (split on blank lines and line gaps), each cut finer until it fits within limit."""
    paragraphs: list[list[tuple[int, str]]] = []
    for number, text in lines:
        if not text.strip():
            continue
        if paragraphs and paragraphs[-1][-1][0] == number - 1:
            paragraphs[-1].append((number, text))
        else:
            paragraphs.append([(number, text)])
    pieces: list[_Piece] = []
    for para in paragraphs:
        text = "\n".join(t for _, t in para)
        piece = _Piece(text, para[0][0], para[-1][0], counter.count(text), "\n\n", 0)
        pieces += _fit(piece, counter, limit)
    return pieces


def _fit(piece: _Piece, counter: TokenCounting, limit: int) -> list[_Piece]:
    if piece.tokens <= limit:
        return [piece]
    return [small for finer in _refine(piece, counter) for small in _fit(finer, counter, limit)]


def _refine(piece: _Piece, counter: TokenCounting) -> list[_Piece]:
    """The piece cut one level finer: lines, sentences, words, then halves of a word."""
    level = piece.level + 1
    if level == _LINE:
        parts, seps = piece.text.split("\n"), "\n"
    elif level == _SENTENCE:
        parts, seps = _SENTENCE_END.split(piece.text), " "
    elif level == _WORD:
        parts, seps = piece.text.split(), " "
    else:
        half = len(piece.text) // 2
        parts, seps, level = [piece.text[:half], piece.text[half:]], "", _CHARS
    parts = [p for p in parts if p.strip()] or [piece.text]
    if len(parts) == 1 and level < _CHARS:
        return _refine(replace(piece, level=level), counter)  # nothing to cut at this level: go finer
    if len(parts) == 1:
        return [piece]
    out = []
    for i, part in enumerate(parts):
        # Lines of a paragraph are consecutive file lines; sentences and words keep their line's number.
        first, last = (piece.first + i, piece.first + i) if level == _LINE else (piece.first, piece.last)
        out.append(_Piece(part, first, last, counter.count(part), piece.sep if i == 0 else seps, level))
    return out


def _pack(
    pieces: list[_Piece], counter: TokenCounting, max_tokens: int, overlap_tokens: int
) -> list[tuple[str, int, int, int]]:
    """Greedy packing into (text, tokens, first line, last line), each chunk opening with the overlap."""
    chunks: list[tuple[str, int, int, int]] = []
    overlap: list[_Piece] = []
    i = 0
    while i < len(pieces):
        chunk = list(overlap)
        estimate = sum(p.tokens + 1 for p in chunk)
        j = i
        while j < len(pieces) and (j == i or estimate + pieces[j].tokens + 1 <= max_tokens):
            chunk.append(pieces[j])
            estimate += pieces[j].tokens + 1
            j += 1
        text, tokens = _render(chunk, counter)
        # Counts of joined text can exceed the sum of the parts: give back new pieces, then overlap.
        while tokens > max_tokens and len(chunk) > 1:
            if j - i > 1:
                chunk.pop()
                j -= 1
            else:
                chunk.pop(0)
            text, tokens = _render(chunk, counter)
        chunks.append((text, tokens, chunk[0].first, chunk[-1].last))
        i = j
        overlap = _tail(chunk, overlap_tokens, counter) if i < len(pieces) else []
    return chunks


def _tail(chunk: list[_Piece], budget: int, counter: TokenCounting) -> list[_Piece]:
    """The last pieces of a chunk within budget tokens, cutting the first piece that does not fit finer."""
    out: list[_Piece] = []
    for piece in reversed(chunk):
        if piece.tokens + 1 <= budget:
            out.insert(0, piece)
            budget -= piece.tokens + 1
            continue
        # Cut finer to start at a line or sentence; whole words only when nothing else would fit.
        finer = (
            _refine(piece, counter) if piece.level < _SENTENCE or (not out and piece.level < _WORD) else []
        )
        if len(finer) > 1:
            out = _tail(finer, budget, counter) + out
        break
    return out


def _render(chunk: list[_Piece], counter: TokenCounting) -> tuple[str, int]:
    text = chunk[0].text + "".join(p.sep + p.text for p in chunk[1:])
    return text, counter.count(text)


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
