"""Search over one collection: the vector store plus a BM25 index kept in step with it."""

from __future__ import annotations

import threading
import time

from retrieval.lexical import Bm25Index
from retrieval.rerank import Reranker
from retrieval.search import HybridSearcher
from retrieval.store import VectorStore
from retrieval.types import Hit, SearchFilter

MODES = ("hybrid", "dense", "bm25")


class RetrievalService:
    """Hybrid search; the BM25 side is rebuilt from the store when it changes (checked at most every
    `refresh_s` seconds, so an ingestion by another process shows up without a restart)."""

    def __init__(
        self, store: VectorStore, *, reranker: Reranker | None = None, refresh_s: float = 30.0
    ) -> None:
        self.store, self.reranker, self.refresh_s = store, reranker, refresh_s
        self._lock = threading.Lock()
        self._searcher: HybridSearcher | None = None
        self._built_revision: str | None = None
        self._checked_at = 0.0

    def searcher(self) -> HybridSearcher:
        """The hybrid searcher over the store's current chunks."""
        with self._lock:
            now = time.monotonic()
            if self._searcher is None or now - self._checked_at > self.refresh_s:
                self._checked_at = now
                # The store's write stamp, not its size: a manual re-ingested with as many chunks as
                # before (a corrected value) must be seen too.
                revision = self.store.revision()
                if self._searcher is None or revision != self._built_revision:
                    chunks = self.store.all_chunks()
                    lexical = Bm25Index()
                    lexical.build(chunks)
                    catalog = {c.id: c for c in chunks}
                    self._searcher = HybridSearcher(
                        self.store, lexical, reranker=self.reranker, catalog=catalog
                    )
                    self._built_revision = revision
            return self._searcher

    def search(
        self,
        query: str,
        k: int = 5,
        flt: SearchFilter | None = None,
        mode: str = "hybrid",
        lang: str | None = None,
    ) -> list[Hit]:
        """The k best chunks for a query; mode "dense" or "bm25" for the plain baselines."""
        searcher, flt = self.searcher(), flt or SearchFilter()
        if mode == "dense":
            return searcher.dense_only(query, k, flt, lang)
        if mode == "bm25":
            return searcher.bm25_only(query, k, flt, lang)
        return searcher.search(query, k, flt, lang)
