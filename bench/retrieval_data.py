"""Data for the retrieval bench: the dev corpus as chunks, a vector cache, and cached Chroma stores.

Everything built here lives under data/bench/ keyed by a content hash (corpus bytes, chunking, embedding
model, record layout), so a second run reuses the stores instead of embedding again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from retrieval.chunking import chunk_document
from retrieval.embeddings import SentenceTransformerEmbedder
from retrieval.loaders import iter_documents, load_document
from retrieval.store import ChromaStore
from retrieval.store_codec import LAYOUT, embedding_text
from retrieval.types import Chunk
from textkit.tokens import TokenCounter

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
DOCS, QA = CORPUS / "linuxcnc", CORPUS / "linuxcnc-qa-dev.jsonl"
BENCH_DATA = ROOT / "data" / "bench"
Progress = Callable[[int, int], None]


def corpus_chunks(root: Path, counter: TokenCounter) -> list[Chunk]:
    """Every chunk of every document under root, in file order (what ingestion would write)."""
    return [c for path in iter_documents(root) for c in chunk_document(load_document(path, root), counter)]


def digest(*parts: object) -> str:
    """A short sha256 over the parts' JSON (what a cached artefact depends on)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def chunks_digest(chunks: Sequence[Chunk]) -> str:
    """Content hash of a chunk list: ids already hash source, section, position and text."""
    return digest([c.id for c in chunks], [c.content_hash for c in chunks])


class VectorCache:
    """Vectors of embedded texts, keyed by sha1 of the text, saved as one .npy plus a key list per model."""

    def __init__(self, folder: Path, model_id: str) -> None:
        self.base = folder / f"vectors-{digest(model_id)}"
        self._keys: dict[str, int] = {}
        self._rows: list[np.ndarray] = []
        if self.base.with_suffix(".json").is_file() and self.base.with_suffix(".npy").is_file():
            keys = json.loads(self.base.with_suffix(".json").read_text())
            matrix = np.load(self.base.with_suffix(".npy"))
            if len(keys) == len(matrix):
                self._keys = {k: i for i, k in enumerate(keys)}
                self._rows = list(matrix)

    @staticmethod
    def key(text: str) -> str:
        """The cache key of one text."""
        return hashlib.sha1(text.encode()).hexdigest()

    def missing(self, texts: Sequence[str]) -> list[str]:
        """The distinct texts not cached yet, in first-seen order."""
        return list(dict.fromkeys(t for t in texts if self.key(t) not in self._keys))

    def add(self, texts: Sequence[str], vectors: Sequence[Sequence[float]]) -> None:
        """Remember vectors of texts."""
        for text, vec in zip(texts, vectors, strict=True):
            self._keys.setdefault(self.key(text), len(self._rows))
            if len(self._rows) < len(self._keys):
                self._rows.append(np.asarray(vec, dtype=np.float32))

    def get(self, texts: Sequence[str]) -> np.ndarray:
        """The cached vectors of texts (all must be cached), one row per text."""
        return np.stack([self._rows[self._keys[self.key(t)]] for t in texts])

    def save(self) -> None:
        """Write the cache (atomically enough for one writer: vectors first, then keys)."""
        self.base.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._keys, key=self._keys.__getitem__)
        matrix = np.stack(self._rows) if self._rows else np.zeros((0, 0), dtype=np.float32)
        np.save(self.base.with_suffix(".npy"), matrix)
        self.base.with_suffix(".json").write_text(json.dumps(keys))


def embed_cached(
    embedder: SentenceTransformerEmbedder,
    cache: VectorCache,
    texts: Sequence[str],
    progress: Progress | None = None,
    batch: int = 64,
) -> np.ndarray:
    """Vectors of texts, embedding only those not cached (saved after each batch, so a stop loses little)."""
    todo = cache.missing(texts)
    for start in range(0, len(todo), batch):
        part = todo[start : start + batch]
        cache.add(part, embedder.embed(part))
        cache.save()
        if progress:
            progress(min(start + batch, len(todo)), len(todo))
    return cache.get(texts)


@contextmanager
def cached_store(
    name: str,
    key: str,
    embedder: SentenceTransformerEmbedder,
    fill: Callable[[ChromaStore], None],
) -> Iterator[tuple[ChromaStore, float | None]]:
    """A Chroma store under data/bench/<name>-<key>, filled once by `fill`; yields it and the fill time
    (None when it was reused). A store whose fill did not finish has no `.done` marker and is refilled."""
    folder = BENCH_DATA / f"{name}-{key}"
    done = folder / ".done"
    seconds: float | None = None
    if not done.is_file() and folder.exists():
        import shutil

        shutil.rmtree(folder)
    with ChromaStore(embedder, path=folder, collection=name) as store:
        if not done.is_file():
            started = time.perf_counter()
            fill(store)
            seconds = time.perf_counter() - started
            done.write_text(json.dumps({"chunks": store.count(), "seconds": seconds, "layout": LAYOUT}))
        yield store, seconds


def vectors_for(
    chunks: Sequence[Chunk], embedder: SentenceTransformerEmbedder, progress: Progress | None = None
) -> np.ndarray:
    """The embedding of every chunk (heading + text, as the store embeds), through the vector cache."""
    cache = VectorCache(BENCH_DATA, embedder.model_id)
    return embed_cached(embedder, cache, [embedding_text(c) for c in chunks], progress)
