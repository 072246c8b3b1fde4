"""What gets embedded for a chunk, the torch thread count of small embeds, and collection name rules."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from retrieval.embeddings import SMALL_BATCH, SentenceTransformerEmbedder
from retrieval.fakes import HashEmbedder, MemoryVectorStore
from retrieval.store import check_collection_name
from retrieval.store_codec import embedding_text
from retrieval.types import Chunk
from sentient.cli import app
from sentient.settings import get_settings


def chunk(section: str, text: str = "Dwell for P seconds.") -> Chunk:
    return Chunk(
        id="c1", text=text, source="g.adoc", section=section, line_start=1, line_end=2, tokens=5,
        doc_type="manual", lang="en",
    )  # fmt: skip


def test_embedding_text_puts_the_heading_path_first_without_asciidoc_index_terms() -> None:
    c = chunk("G Codes > G4 Dwell(((G4 Dwell))) [[gcode:g4]]")
    assert embedding_text(c) == "G Codes > G4 Dwell\nDwell for P seconds."


def test_embedding_text_of_a_chunk_without_heading_is_its_text() -> None:
    assert embedding_text(chunk("")) == "Dwell for P seconds."


def test_fake_store_embeds_the_heading_so_a_heading_word_finds_the_chunk() -> None:
    store = MemoryVectorStore(HashEmbedder())
    other = replace(chunk("Coolant", "Set the pin."), id="c2")
    store.upsert([chunk("Spindle Orient", "Set the pin."), other])
    assert store.query("spindle orient", 1)[0][0].id == "c1"


class ThreadSpy:
    """Stands in for the SentenceTransformer: records torch's thread count during each encode."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def encode(self, texts: list[str], **_: Any) -> np.ndarray:
        self.threads.append(torch.get_num_threads())
        return np.ones((len(texts), 3), dtype=np.float32)


def spied_embedder() -> tuple[SentenceTransformerEmbedder, ThreadSpy]:
    embedder = SentenceTransformerEmbedder(Path("/nonexistent"), device="cpu")
    spy = ThreadSpy()
    embedder._model = spy  # type: ignore[assignment]
    return embedder, spy


def test_a_query_is_embedded_on_one_thread_and_the_thread_count_is_restored() -> None:
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        embedder, spy = spied_embedder()
        embedder.embed(["spindle speed"])
        embedder.embed([f"text {i}" for i in range(SMALL_BATCH + 1)])
        assert spy.threads == [1, 2]
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("name", ["manuals", "abc", "a.b_c-9", "A" * 512, "linuxcnc-2024"])
def test_valid_collection_names_pass(name: str) -> None:
    assert check_collection_name(name) == name


@pytest.mark.parametrize("name", ["", "ab", "-abc", "abc-", "a b c", "a/bc", "A" * 513, "manual$", "ąbc"])
def test_invalid_collection_names_are_refused_with_the_rule(name: str) -> None:
    with pytest.raises(ValueError, match="3-512 characters"):
        check_collection_name(name)


@pytest.mark.parametrize("command", ["ingest", "search"])
def test_cli_refuses_a_bad_collection_name_before_touching_any_store(tmp_path: Path, command: str) -> None:
    target = str(tmp_path) if command == "ingest" else "spindle"
    result = CliRunner().invoke(app, [command, target, "--collection", "my manuals"])
    assert result.exit_code == 2
    assert "3-512 characters" in result.output
    assert list(tmp_path.iterdir()) == []


def test_ingest_without_a_path_reads_manuals_dir_and_refuses_a_missing_one(tmp_path: Path) -> None:
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app, ["ingest"], env={"MANUALS_DIR": str(tmp_path / "nowhere"), "DATA_DIR": str(tmp_path / "d")}
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2 and "MANUALS_DIR" in result.output
    assert not (tmp_path / "d").exists()  # refused before any store was opened
