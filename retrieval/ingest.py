"""Idempotent, incremental ingestion: a collection mirrors one folder of manuals, by content hash."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.chunking import chunk_document
from retrieval.loaders import iter_documents, load_document, relative_source
from retrieval.metadata import MachineNames
from retrieval.quarantine import QuarantineRow, flag_chunks, quarantine_rows
from retrieval.store import VectorStore
from retrieval.types import Document
from textkit.tokens import TokenCounter

Progress = Callable[[str, int, int], None]


@dataclass
class IngestReport:
    """What one ingestion run did."""

    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks_written: int = 0
    chunks_deleted: int = 0
    seconds: float = 0.0
    # suspicious sentences found in the files (re)chunked by this run; stored on their chunks
    quarantined: list[QuarantineRow] = field(default_factory=list)
    # files that could not be read, with why ("no text layer: OCR needed" for a scanned PDF)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the collection changed."""
        return bool(self.added or self.updated or self.removed)


def file_hash(path: Path) -> str:
    """sha256 of a file's bytes: the identity of its content."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ingest(
    root: Path,
    store: VectorStore,
    counter: TokenCounter,
    progress: Progress | None = None,
    machines: MachineNames = (),
) -> IngestReport:
    """Bring the store in line with the folder: new and changed files (re)chunked, removed ones dropped;
    `machines` (names and models -> codes, from the warehouse) tag chunks that name a machine."""
    started, report = time.perf_counter(), IngestReport()
    base = root if root.is_dir() else root.parent
    stored = store.sources()
    paths = list(iter_documents(root))
    report.files = len(paths)
    seen: set[str] = set()
    for i, path in enumerate(paths, 1):
        source = relative_source(path, root)
        seen.add(source)
        digest = file_hash(path)
        if stored.get(source) == digest:
            report.unchanged += 1
        else:
            try:
                doc = load_document(path, base)
            except ValueError as exc:  # unreadable, or a scan without text: reported, the rest goes on
                report.skipped.append((source, str(exc)))
            else:
                _replace(store, counter, doc, path, source in stored, report, machines)
        if progress:
            progress("files", i, len(paths))
    if root.is_dir():  # a folder is mirrored: files gone from it lose their chunks
        for source in sorted(set(stored) - seen):
            report.chunks_deleted += store.delete_source(source)
            report.removed += 1
    report.seconds = time.perf_counter() - started
    return report


def _replace(
    store: VectorStore,
    counter: TokenCounter,
    doc: Document,
    path: Path,
    known: bool,
    report: IngestReport,
    machines: MachineNames = (),
) -> None:
    source = doc.source
    chunks = flag_chunks(chunk_document(doc, counter, machines=machines))
    report.quarantined.extend(quarantine_rows(chunks, path))
    if known:
        # Delete first: a shorter new version must not leave its old tail behind.
        report.chunks_deleted += store.delete_source(source)
        report.updated += 1
    else:
        report.added += 1
    store.upsert(chunks)
    report.chunks_written += len(chunks)
