"""The dense side with an in-memory catalog: ids from the store, filters in memory, same results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from retrieval.fakes import MemoryVectorStore
from retrieval.lexical import Bm25Index
from retrieval.search import HybridSearcher
from retrieval.service import RetrievalService
from retrieval.types import Chunk, SearchFilter

WORDS = "spindle coolant axis homing probe servo stepper tool offset feed rate dwell arc plane".split()


def corpus(n: int = 120) -> list[Chunk]:
    """Chunks with overlapping vocabularies, one machine in ten, some restricted to one role."""
    out = []
    for i in range(n):
        text = " ".join(WORDS[(i * k) % len(WORDS)] for k in (1, 3, 5, 7))
        out.append(
            Chunk(
                id=f"c{i:03d}", text=text, source=f"d{i % 7}.adoc", section=f"S{i}", line_start=1,
                line_end=2, tokens=4, doc_type="manual", lang="en",
                machines=("MCH-001",) if i % 10 == 0 else ("MCH-002",),
                roles=("MANAGER_PROD",) if i % 4 == 0 else (),
            )
        )  # fmt: skip
    return out


class CountingStore(MemoryVectorStore):
    """Counts how the searcher reached the vectors: record reads (query) or id lookups (nearest_ids)."""

    def __init__(self) -> None:
        super().__init__()
        self.queries = 0
        self.id_lookups: list[int | None] = []

    def query(
        self, vector_or_text: list[float] | str, k: int, flt: SearchFilter | None = None
    ) -> list[tuple[Chunk, float]]:
        self.queries += 1
        return super().query(vector_or_text, k, flt)

    def nearest_ids(
        self, vector: list[float], n: int, among: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        self.id_lookups.append(None if among is None else len(among))
        return MemoryVectorStore.nearest_ids(self, vector, n, among)


def searchers(chunks: list[Chunk]) -> tuple[HybridSearcher, HybridSearcher, CountingStore]:
    store = CountingStore()
    store.upsert(chunks)
    lexical = Bm25Index()
    lexical.build(chunks)
    plain = HybridSearcher(store, lexical, candidates=8)
    fast = HybridSearcher(store, lexical, candidates=8, catalog={c.id: c for c in chunks})
    return plain, fast, store


FILTERS = [
    SearchFilter(),
    SearchFilter(role="OPERATOR"),
    SearchFilter(machine="mch-001"),
    SearchFilter(machine="MCH-001", role="OPERATOR"),
    SearchFilter(machine="MCH-999"),
]


@pytest.mark.parametrize("flt", FILTERS, ids=str)
@pytest.mark.parametrize("query", ["spindle dwell", "probe servo offset", "arc plane feed"])
def test_catalog_path_gives_the_same_results_as_reading_records(flt: SearchFilter, query: str) -> None:
    plain, fast, _ = searchers(corpus())
    expected = [(h.chunk.id, round(h.score, 9)) for h in plain.search(query, 5, flt)]
    assert [(h.chunk.id, round(h.score, 9)) for h in fast.search(query, 5, flt)] == expected
    assert [h.chunk.id for h in fast.dense_only(query, 8, flt)] == [
        h.chunk.id for h in plain.dense_only(query, 8, flt)
    ]


def test_catalog_path_reads_no_records_and_a_selective_filter_searches_among_allowed_ids() -> None:
    _, fast, store = searchers(corpus())
    fast.dense_only("spindle dwell", 8)
    assert store.queries == 0 and store.id_lookups == [None]
    store.id_lookups.clear()
    fast.dense_only("spindle dwell", 8, SearchFilter(machine="MCH-001", role="OPERATOR"))
    # 6 of 120 chunks pass (MCH-001 and open to OPERATOR): no fetch of 16 or 64 neighbours can hold 8 of
    # them, so only those 6 allowed ids are searched
    assert store.queries == 0 and store.id_lookups == [6]
    store.id_lookups.clear()
    fast.dense_only("spindle dwell", 8, SearchFilter(role="OPERATOR"))
    assert store.queries == 0 and store.id_lookups == [None]  # 90 of 120 pass: one 2x fetch is enough


def test_a_chunk_written_after_the_catalog_was_built_is_still_found() -> None:
    chunks = corpus()
    _, fast, store = searchers(chunks)
    late = replace(chunks[0], id="late", text="spindle dwell spindle dwell", section="Late")
    store.upsert([late])
    hits = fast.dense_only("spindle dwell", 3)
    assert "late" in [h.chunk.id for h in hits] and store.queries == 1


def test_service_builds_the_catalog_with_the_lexical_index() -> None:
    store = MemoryVectorStore()
    store.upsert(corpus(20))
    searcher = RetrievalService(store).searcher()
    assert searcher.catalog is not None and set(searcher.catalog) == {c.id for c in corpus(20)}
