"""The vector store contract and its Chroma adapter (records encoded as in retrieval/store_codec.py)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import urlparse

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings

from retrieval.embeddings import ChromaEmbeddingFunction, embedder_model_id
from retrieval.store_codec import (
    LAYOUT,
    chunk_from_record,
    chunk_metadata,
    embedding_text,
    visible,
    where_clause,
)
from retrieval.types import Chunk, Embedder, SearchFilter

DEFAULT_CHROMA_PATH = Path("data") / "chroma"
# Unfiltered neighbours fetched (k times each factor, at least PROBE_MIN) before using Chroma's own filter.
PROBE_FACTORS, PROBE_MIN = (2, 10), 20
# Chroma's rule for collection names, checked here so a bad name fails with our message, not Chroma's.
_COLLECTION_NAME = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9._-]{1,510})[a-zA-Z0-9]")


def check_collection_name(name: str) -> str:
    """The name itself when Chroma accepts it (3-512 characters of [a-zA-Z0-9._-], starting and ending with
    a letter or digit); otherwise ValueError saying so."""
    if not _COLLECTION_NAME.fullmatch(name):
        raise ValueError(
            f"invalid collection name {name!r}: use 3-512 characters from a-z A-Z 0-9 . _ -, "
            "starting and ending with a letter or digit"
        )
    return name


class VectorStore(Protocol):
    """Dense storage of chunks with metadata filters applied before ranking."""

    def upsert(self, chunks: list[Chunk], vectors: list[list[float]] | None = None) -> None:
        """Insert or replace chunks by id; vectors are computed with the embedder when None."""
        ...

    def delete_source(self, source: str) -> int:
        """Delete every chunk of one source; returns how many there were."""
        ...

    def sources(self) -> dict[str, str]:
        """Each stored source with the content hash of the version stored."""
        ...

    def query(
        self, vector_or_text: list[float] | str, k: int, flt: SearchFilter | None = None
    ) -> list[tuple[Chunk, float]]:
        """The k chunks most similar (cosine, best first) among those the filter lets through."""
        ...

    def embed_query(self, text: str) -> list[float]:
        """A query's vector, from the store's embedder."""
        ...

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Several query texts' vectors in one call (a question and its sentences)."""
        ...

    def nearest_ids(
        self, vector: list[float], n: int, among: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """Ids and cosine similarities of the n nearest chunks (among these ids when given), best first;
        reads no records."""
        ...

    def all_chunks(self, flt: SearchFilter | None = None) -> list[Chunk]:
        """Every chunk the filter lets through (for the lexical index)."""
        ...

    def count(self) -> int:
        """Number of chunks stored."""
        ...

    def revision(self) -> str:
        """A value that changes whenever any process wrote to the store (readers rebuild on a change)."""
        ...


class EmbeddingModelMismatch(ValueError):
    """The collection holds vectors of another model than the embedder's."""


def parse_chroma_url(url: str) -> tuple[str, int, bool]:
    """(host, port, ssl) of a Chroma server URL; the port defaults to 443 for https, else Chroma's 8000."""
    parsed = urlparse(url if "://" in url else f"http://{url}")
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError(f"CHROMA_URL must look like http[s]://host[:port], got {url!r}")
    ssl = parsed.scheme == "https"
    return parsed.hostname, parsed.port or (443 if ssl else 8000), ssl


def chroma_client(path: Path | None = None, url: str | None = None) -> ClientAPI:
    """HttpClient for a URL (http[s]://host[:port]), else an embedded PersistentClient at path."""
    settings = Settings(anonymized_telemetry=False)
    if url:
        host, port, ssl = parse_chroma_url(url)
        return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=settings)
    folder = path if path is not None else DEFAULT_CHROMA_PATH
    folder.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(folder), settings=settings)


class ChromaStore:
    """A Chroma collection (cosine space) whose vectors all come from one recorded embedding model."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        path: Path | None = None,
        url: str | None = None,
        collection: str = "manuals",
    ) -> None:
        check_collection_name(collection)  # before opening a client, which creates folders
        self.embedder = embedder
        self.model_id = embedder_model_id(embedder)
        self.client = chroma_client(path, url)
        try:
            self.collection = self._open(collection)
        except Exception:
            self.close()  # else the embedded store's files stay open after the error
            raise
        self._batch = max(1, self.client.get_max_batch_size())

    def _open(self, name: str) -> Collection:
        ours = {"model_id": self.model_id, "layout": LAYOUT}
        col = self.client.get_or_create_collection(
            name,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={**ours, "dim": self.embedder.dim},
            embedding_function=ChromaEmbeddingFunction(self.embedder),  # type: ignore[arg-type]
        )
        meta = dict(col.metadata or {})
        stored = {key: meta.get(key) for key in ours}
        if stored != ours and col.count() == 0:  # an empty collection made elsewhere: adopt it
            col.modify(metadata={**meta, **ours, "dim": self.embedder.dim})
        elif stored != ours:
            raise EmbeddingModelMismatch(
                f"collection {name!r} holds vectors of model {stored['model_id']!r} (layout "
                f"{stored['layout']!r}) but this store writes {self.model_id!r} ({LAYOUT!r}): ingest into "
                "another collection, or delete this one and ingest again"
            )
        return col

    def upsert(self, chunks: list[Chunk], vectors: list[list[float]] | None = None) -> None:
        """Insert or replace chunks by id, in batches of Chroma's maximum size."""
        if vectors is not None and len(vectors) != len(chunks):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        if len({c.id for c in chunks}) != len(chunks):
            raise ValueError("duplicate chunk ids in one upsert")
        for start in range(0, len(chunks), self._batch):
            part = chunks[start : start + self._batch]
            vecs = vectors[start : start + self._batch] if vectors is not None else None
            self.collection.upsert(
                ids=[c.id for c in part],
                embeddings=vecs
                if vecs is not None
                else self.embedder.embed([embedding_text(c) for c in part]),  # type: ignore[arg-type]
                documents=[c.text for c in part],
                metadatas=[chunk_metadata(c) for c in part],
            )
        if chunks:
            self._stamp()

    def delete_source(self, source: str) -> int:
        """Delete every chunk of one source; returns how many there were."""
        ids = self.collection.get(where={"source": source}, include=[])["ids"]
        for start in range(0, len(ids), self._batch):
            self.collection.delete(ids=ids[start : start + self._batch])
        if ids:
            self._stamp()
        return len(ids)

    def revision(self) -> str:
        """The chunk count and the stamp of the last write, read fresh from Chroma: a file re-ingested by
        another process with as many chunks as before changes the stamp, not the count."""
        col = self._fresh()
        return f"{col.count()}:{(col.metadata or {}).get('revision', '')}"

    def _stamp(self) -> None:
        """Record a write in the collection's metadata (the other keys, read fresh, are kept)."""
        meta = dict(self._fresh().metadata or {})
        self.collection.modify(metadata={**meta, "revision": uuid.uuid4().hex})

    def _fresh(self) -> Collection:
        """The collection as the server has it now (a Collection object caches its metadata)."""
        return self.client.get_collection(
            self.collection.name,
            embedding_function=ChromaEmbeddingFunction(self.embedder),  # type: ignore[arg-type]
        )

    def sources(self) -> dict[str, str]:
        """Each stored source with the content hash of the version stored."""
        return {
            str(meta["source"]): str(json.loads(str(meta["chunk"]))["content_hash"])
            for _, _, meta in self._records(None, with_text=False)
        }

    def query(
        self, vector_or_text: list[float] | str, k: int, flt: SearchFilter | None = None
    ) -> list[tuple[Chunk, float]]:
        """The k most similar chunks among those the filter lets through, with cosine similarity."""
        if k <= 0:
            return []
        vector = (
            self.embedder.embed([vector_or_text])[0] if isinstance(vector_or_text, str) else vector_or_text
        )
        where = where_clause(flt)
        if where is not None:
            # Embedded Chroma filters by scanning metadata: 0.25-0.75 s a query at 100k chunks. When k of the
            # unfiltered nearest neighbours pass the filter they are exactly the k best of the filtered set,
            # so look there first: a small probe (role filters let most chunks through), then a larger one.
            for factor in PROBE_FACTORS:
                hits = self._probe(vector, k, flt, max(k * factor, PROBE_MIN))
                if hits is not None:
                    return hits
        return self._knn(vector, k, where)

    def embed_query(self, text: str) -> list[float]:
        """A query's vector, from the store's embedder."""
        return self.embedder.embed([text])[0]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Several query texts' vectors in one call (a question and its sentences)."""
        return self.embedder.embed(texts)

    def nearest_ids(
        self, vector: list[float], n: int, among: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """Ids and cosine similarities of the n nearest chunks (among these ids when given): no metadata or
        text is read, which is most of a small query's cost in Chroma (~0.15 ms a record)."""
        if n <= 0 or (among is not None and not among):
            return []
        res = self.collection.query(
            query_embeddings=[vector],  # type: ignore[arg-type]
            ids=list(among) if among is not None else None,
            n_results=min(n, len(among)) if among is not None else n,
            include=["distances"],
        )
        dists = (res["distances"] or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], dists, strict=True)]

    def _knn(self, vector: list[float], k: int, where: dict[str, Any] | None) -> list[tuple[Chunk, float]]:
        """Chroma's nearest neighbours among the records matching `where`."""
        res = self.collection.query(
            query_embeddings=[vector],  # type: ignore[arg-type]
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        ids, docs = res["ids"][0], (res["documents"] or [[]])[0]
        metas, dists = (res["metadatas"] or [[]])[0], (res["distances"] or [[]])[0]
        return [
            (chunk_from_record(i, d, dict(m)), 1.0 - float(dist))
            for i, d, m, dist in zip(ids, docs, metas, dists, strict=True)
        ]

    def _probe(
        self, vector: list[float], k: int, flt: SearchFilter | None, n: int
    ) -> list[tuple[Chunk, float]] | None:
        """The k best passing chunks among the n unfiltered neighbours, or None when fewer than k pass."""
        res = self.collection.query(
            query_embeddings=[vector],  # type: ignore[arg-type]
            n_results=n,
            include=["metadatas", "distances"],
        )
        ids, metas = res["ids"][0], (res["metadatas"] or [[]])[0]
        dists = (res["distances"] or [[]])[0]
        passing = [
            (chunk, 1.0 - float(dist))
            for i, m, dist in zip(ids, metas, dists, strict=True)
            if visible(chunk := chunk_from_record(i, None, dict(m)), flt)
        ][:k]
        if len(passing) < k and len(ids) == n:  # the filtered set may hold better chunks beyond the probe
            return None
        if not passing:
            return []
        got = self.collection.get(ids=[c.id for c, _ in passing], include=["documents"])
        texts = dict(zip(got["ids"], got["documents"] or [], strict=True))
        # A chunk deleted since the probe has no text now: leave it out.
        return [(replace(c, text=texts[c.id] or ""), score) for c, score in passing if c.id in texts]

    def all_chunks(self, flt: SearchFilter | None = None) -> list[Chunk]:
        """Every chunk the filter lets through, read in pages."""
        return [chunk_from_record(i, text, meta) for i, text, meta in self._records(flt, with_text=True)]

    def count(self) -> int:
        """Number of chunks stored."""
        return self.collection.count()

    def close(self) -> None:
        """Release the client (for an embedded store: its SQLite and index files)."""
        close = getattr(self.client, "close", None)  # Client has it; the ClientAPI type does not declare it
        if close is not None:
            close()

    def __enter__(self) -> ChromaStore:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def _records(
        self, flt: SearchFilter | None, *, with_text: bool
    ) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(id, text, metadata) of every matching record, one page of Chroma's batch size at a time."""
        include: Any = ["documents", "metadatas"] if with_text else ["metadatas"]
        where = where_clause(flt)
        offset = 0
        while True:
            page = self.collection.get(where=where, include=include, limit=self._batch, offset=offset)
            docs = page["documents"] or [""] * len(page["ids"])
            for i, text, meta in zip(page["ids"], docs, page["metadatas"] or [], strict=True):
                yield i, text, dict(meta)
            if len(page["ids"]) < self._batch:
                return
            offset += self._batch
