"""The retrieval bench's helpers: the vector cache and the synthetic 100k corpus."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.retrieval import percentiles
from bench.retrieval_data import VectorCache, embed_cached
from bench.retrieval_scale import synthetic
from retrieval.fakes import HashEmbedder
from retrieval.types import Chunk


class CountingEmbedder(HashEmbedder):
    """HashEmbedder that remembers each batch it was asked for."""

    def __init__(self) -> None:
        super().__init__(dim=16)
        self.batches: list[list[str]] = []

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.batches.append(list(texts))
        return super().embed(texts)


def test_vector_cache_embeds_each_text_once_across_runs(tmp_path: Path) -> None:
    first = CountingEmbedder()
    got = embed_cached(first, VectorCache(tmp_path, "m1"), ["a b", "c d", "a b"], batch=1)  # type: ignore[arg-type]
    assert first.batches == [["a b"], ["c d"]]
    assert got.shape == (3, 16) and np.allclose(got[0], got[2])
    again = CountingEmbedder()
    cached = embed_cached(again, VectorCache(tmp_path, "m1"), ["c d", "a b"])  # type: ignore[arg-type]
    assert again.batches == [] and np.allclose(cached, got[[1, 0]])
    other_model = CountingEmbedder()
    embed_cached(other_model, VectorCache(tmp_path, "m2"), ["a b"])  # type: ignore[arg-type]
    assert other_model.batches == [["a b"]]


def base_chunks(n: int) -> list[Chunk]:
    return [
        Chunk(id=f"c{i}", text=f"line one {i}\nline two\nline three", source=f"d{i % 3}.adoc", section="S",
              line_start=1, line_end=3, tokens=9, doc_type="manual", lang="en")
        for i in range(n)
    ]  # fmt: skip


def test_synthetic_corpus_has_the_total_unique_ids_and_unit_vectors_near_the_originals() -> None:
    chunks = base_chunks(7)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(7, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    every, matrix = synthetic(chunks, vectors, 30)
    assert len(every) == 30 == len(matrix) == len({c.id for c in every})
    assert every[:7] == chunks and np.allclose(matrix[:7], vectors)
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)
    cos = [float(matrix[7 + i] @ vectors[i]) for i in range(7)]
    assert all(0.85 < c < 0.99 for c in cos), cos
    copies = every[7:]
    assert all(c.source.startswith("synthetic/site-") and len(c.text.split("\n")) == 2 for c in copies)
    assert len({c.machines for c in copies}) > 1 and any(c.roles for c in copies)


def test_percentiles_are_in_milliseconds() -> None:
    p50, p95 = percentiles([0.001 * i for i in range(1, 101)])
    assert 49 <= p50 <= 51 and 94 <= p95 <= 96
    assert percentiles([0.002]) == (2.0, 2.0)
