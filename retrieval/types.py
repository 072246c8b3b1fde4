"""The retrieval contract shared by loaders, chunking, stores, search and the agent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Section:
    """A loaded document's text block under one heading path, with its 1-based line range."""

    heading_path: tuple[str, ...]
    text: str
    line_start: int
    line_end: int


@dataclass(frozen=True)
class Document:
    """A loaded file: its path relative to the ingested root, format, title and sections."""

    source: str  # posix path relative to the ingested root, e.g. "mch-003/welding-robot-c1.en.md"
    fmt: str  # markdown, asciidoc, text, pdf
    title: str
    sections: tuple[Section, ...]
    content_hash: str  # sha256 of the raw file bytes
    # PDFs: (first 1-based line, page number) of each page that has text, in order; empty for text formats
    pages: tuple[tuple[int, int], ...] = ()

    def page_of(self, line: int) -> int:
        """The page a 1-based line is on (0 when the document has no pages)."""
        page = 0
        for first, number in self.pages:
            if first > line:
                break
            page = number
        return page


@dataclass(frozen=True)
class Chunk:
    """A searchable piece of a document; `id` is stable for the same document content and position."""

    id: str
    text: str
    source: str
    section: str  # heading path joined with " > "
    line_start: int
    line_end: int
    tokens: int
    doc_type: str  # manual, safety, troubleshooting, maintenance, reference
    lang: str  # "en" or "id"
    machines: tuple[str, ...] = ()  # machine codes the text is about, e.g. ("MCH-003",)
    roles: tuple[str, ...] = ()  # roles allowed to read it; empty = anyone holding KB.READ
    content_hash: str = ""
    # Sentences flagged at ingestion (guardrails.quarantine): (kind, sentence); cut when quoted.
    quarantine: tuple[tuple[str, str], ...] = ()
    page: int = 0  # the PDF page the chunk starts on (0: not a PDF)


@dataclass(frozen=True)
class SearchFilter:
    """Restrictions applied before ranking."""

    machine: str | None = None
    doc_type: str | None = None
    lang: str | None = None
    role: str | None = None  # the caller's role: chunks restricted to other roles are never returned


@dataclass
class Hit:
    """One search result with its fused score and the rank it had in each retriever (1-based)."""

    chunk: Chunk
    score: float
    ranks: dict[str, int] = field(default_factory=dict)


class Embedder(Protocol):
    """Turns texts into vectors (same model for documents and queries)."""

    dim: int

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One normalised vector per text."""
        ...
