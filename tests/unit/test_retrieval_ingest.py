"""Ingestion is idempotent and incremental: skip unchanged, replace changed, drop removed (fakes only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.fakes import HashEmbedder, MemoryVectorStore
from retrieval.ingest import ingest
from retrieval.types import SearchFilter
from textkit.tokens import TokenCounter

MANUAL = """---
machines: [MCH-003]
lang: en
---
# Welding Robot C1

## Error codes

### E-410 Wire feed fault
The wire feeder cannot push the wire. Check the drive roller and the liner.

### E-427 Gas flow fault
Shielding gas flow is below 10 L/min. Check the cylinder and the regulator.
"""


@pytest.fixture
def counter(tmp_path: Path) -> TokenCounter:
    return TokenCounter(tmp_path / "tiktoken")


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_second_run_changes_nothing(tmp_path: Path, counter: TokenCounter) -> None:
    root = tmp_path / "manuals"
    _write(root, "c1/welding.en.md", MANUAL)
    _write(root, "README.md", "# About this folder\nE-410 E-427")
    store = MemoryVectorStore(HashEmbedder())
    first = ingest(root, store, counter)
    assert (first.files, first.added, first.chunks_written) == (1, 1, store.count())
    assert set(store.sources()) == {"c1/welding.en.md"}  # the README is about the folder, not a manual
    ids = sorted(c.id for c in store.all_chunks())
    again = ingest(root, store, counter)
    assert (again.unchanged, again.added, again.updated, again.chunks_written, again.changed) == (
        1,
        0,
        0,
        0,
        False,
    )
    assert sorted(c.id for c in store.all_chunks()) == ids


def test_changed_file_replaces_all_its_chunks(tmp_path: Path, counter: TokenCounter) -> None:
    root = tmp_path / "manuals"
    path = _write(root, "c1/welding.en.md", MANUAL)
    _write(root, "c1/other.en.md", "# Other\n\n## Start-up\nPress the green button.\n")
    store = MemoryVectorStore(HashEmbedder())
    ingest(root, store, counter)
    other_ids = {c.id for c in store.all_chunks() if c.source == "c1/other.en.md"}
    path.write_text(
        MANUAL.replace(
            "### E-427 Gas flow fault\nShielding gas flow is below 10 L/min. Check the "
            "cylinder and the regulator.\n",
            "",
        ),
        encoding="utf-8",
    )
    report = ingest(root, store, counter)
    assert (report.updated, report.unchanged) == (1, 1)
    texts = " ".join(c.text for c in store.all_chunks())
    assert "E-410" in texts or "wire feeder" in texts
    assert "Shielding gas" not in texts  # the removed section left nothing behind
    assert {c.id for c in store.all_chunks() if c.source == "c1/other.en.md"} == other_ids


def test_removed_file_loses_its_chunks(tmp_path: Path, counter: TokenCounter) -> None:
    root = tmp_path / "manuals"
    gone = _write(root, "c1/welding.en.md", MANUAL)
    _write(root, "c2/cnc.en.md", "# CNC\n\n## E-101 Spindle overload\nReduce the feed.\n")
    store = MemoryVectorStore(HashEmbedder())
    ingest(root, store, counter)
    gone.unlink()
    report = ingest(root, store, counter)
    assert report.removed == 1 and report.chunks_deleted > 0
    assert set(store.sources()) == {"c2/cnc.en.md"}


def test_metadata_and_filters_reach_the_store(tmp_path: Path, counter: TokenCounter) -> None:
    root = tmp_path / "manuals"
    _write(root, "c1/welding.en.md", MANUAL)
    _write(
        root, "restricted.en.md", "---\nroles: [MANAGER_PROD]\n---\n# Technician\n\n## Roller\nReplace it.\n"
    )
    store = MemoryVectorStore(HashEmbedder())
    ingest(root, store, counter)
    welding = store.all_chunks(SearchFilter(machine="MCH-003"))
    assert welding and all("MCH-003" in c.machines and c.lang == "en" for c in welding)
    assert all(c.source != "restricted.en.md" for c in store.all_chunks(SearchFilter(role="OPERATOR")))
    assert any(c.source == "restricted.en.md" for c in store.all_chunks(SearchFilter(role="MANAGER_PROD")))
    e410 = next(c for c in welding if "E-410" in c.section)
    # The bare title and "Error codes" headings ride along with their first subsection (lines 5-10).
    assert e410.section.endswith("E-410 Wire feed fault") and (e410.line_start, e410.line_end) == (5, 10)
