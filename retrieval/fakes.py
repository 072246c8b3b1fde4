"""Fakes of the embedder and the vector store, for unit tests of the code that uses them."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Sequence

from retrieval.store_codec import embedding_text, visible
from retrieval.types import Chunk, SearchFilter

_WORD = re.compile(r"\w+", re.UNICODE)


class HashEmbedder:
    """Deterministic bag-of-words vectors: each word adds ±1 at a hashed index; texts sharing words align."""

    model_id = "hash-bow-256"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.calls = 0  # how many texts were embedded, so tests can check vectors were reused

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One L2-normalised vector per text; an empty text gets a fixed unit vector."""
        self.calls += len(texts)
        return [self._vector(t) for t in texts]

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self.dim
        for word in _WORD.findall(text.lower()):
            # blake2b, not hash(): Python salts str hashes per process and the vectors must be stable.
            h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
            vec[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        norm = math.sqrt(sum(x * x for x in vec))
        if norm == 0.0:
            vec[0] = 1.0
            return vec
        return [x / norm for x in vec]


class MemoryVectorStore:
    """VectorStore in a dict, exact cosine search, the same filter rules as ChromaStore."""

    def __init__(self, embedder: HashEmbedder | None = None) -> None:
        self.embedder = embedder or HashEmbedder()
        self._rows: dict[str, tuple[Chunk, list[float]]] = {}
        self._writes = 0

    def upsert(self, chunks: list[Chunk], vectors: list[list[float]] | None = None) -> None:
        """Insert or replace chunks by id; vectors are computed with the embedder when None."""
        if vectors is not None and len(vectors) != len(chunks):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        if len({c.id for c in chunks}) != len(chunks):
            raise ValueError("duplicate chunk ids in one upsert")
        vecs = vectors if vectors is not None else self.embedder.embed([embedding_text(c) for c in chunks])
        for chunk, vec in zip(chunks, vecs, strict=True):
            self._rows[chunk.id] = (chunk, list(vec))
        self._writes += bool(chunks)

    def delete_source(self, source: str) -> int:
        """Delete every chunk of one source; returns how many there were."""
        ids = [i for i, (c, _) in self._rows.items() if c.source == source]
        for i in ids:
            del self._rows[i]
        self._writes += bool(ids)
        return len(ids)

    def sources(self) -> dict[str, str]:
        """Each stored source with the content hash of the version stored."""
        return {c.source: c.content_hash for c, _ in self._rows.values()}

    def query(
        self, vector_or_text: list[float] | str, k: int, flt: SearchFilter | None = None
    ) -> list[tuple[Chunk, float]]:
        """The k most similar chunks among those the filter lets through (filter first, then rank)."""
        if k <= 0:
            return []
        vector = (
            self.embedder.embed([vector_or_text])[0] if isinstance(vector_or_text, str) else vector_or_text
        )
        return self._ranked(vector, lambda chunk: visible(chunk, flt))[:k]

    def _ranked(self, vector: list[float], keep: Callable[[Chunk], bool]) -> list[tuple[Chunk, float]]:
        """Every kept chunk with its cosine similarity, best first (ties by id)."""
        scored = [
            (chunk, sum(a * b for a, b in zip(vector, vec, strict=True)))
            for chunk, vec in self._rows.values()
            if keep(chunk)
        ]
        scored.sort(key=lambda pair: (-pair[1], pair[0].id))
        return scored

    def embed_query(self, text: str) -> list[float]:
        """A query's vector, from the store's embedder."""
        return self.embedder.embed([text])[0]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Several query texts' vectors in one call."""
        return self.embedder.embed(texts)

    def nearest_ids(
        self, vector: list[float], n: int, among: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """Ids and cosine similarities of the n nearest chunks (among these ids when given), best first."""
        wanted = None if among is None else set(among)
        near = self._ranked(vector, lambda chunk: wanted is None or chunk.id in wanted)
        return [(c.id, s) for c, s in near[:n]]

    def all_chunks(self, flt: SearchFilter | None = None) -> list[Chunk]:
        """Every chunk the filter lets through, in insertion order."""
        return [c for c, _ in self._rows.values() if visible(c, flt)]

    def count(self) -> int:
        """Number of chunks stored."""
        return len(self._rows)

    def revision(self) -> str:
        """Changes with every write (a counter)."""
        return str(self._writes)
