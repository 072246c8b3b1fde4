"""Builds the manual search from settings: embedder, Chroma store (embedded or server), hybrid service."""

from __future__ import annotations

import logging
import time
from typing import Any

from retrieval.embeddings import SentenceTransformerEmbedder
from retrieval.rerank import CrossEncoderReranker
from retrieval.service import RetrievalService
from retrieval.store import ChromaStore
from retrieval.types import Hit
from sentient.settings import Settings
from telemetry.metrics import RETRIEVAL_SECONDS

log = logging.getLogger(__name__)


class TimedRetrievalService(RetrievalService):
    """The search service with each search timed into sentient_retrieval_seconds (/metrics)."""

    def search(self, *args: Any, **kwargs: Any) -> list[Hit]:
        """RetrievalService.search, timed."""
        started = time.perf_counter()
        try:
            return super().search(*args, **kwargs)
        finally:
            RETRIEVAL_SECONDS.labels(stage="search").observe(time.perf_counter() - started)


class RetrievalHub:
    """One embedder for the process and one search service per collection, made on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # loads on first embed; queries run on an ONNX export of the model, made once under data/onnx
        self.embedder = SentenceTransformerEmbedder(
            device=settings.embed_device, onnx_dir=settings.data_dir / "onnx"
        )
        self._services: dict[str, RetrievalService] = {}
        # One cross-encoder for every collection (it loads on first use and keeps no per-collection state).
        path = settings.rerank_model_path
        self.reranker = CrossEncoderReranker(path) if path else None

    def store(self, collection: str | None = None) -> ChromaStore:
        """The Chroma collection: a server when CHROMA_URL is set, else the folder CHROMA_PATH."""
        s = self.settings
        return ChromaStore(
            self.embedder, path=s.chroma_path, url=s.chroma_url, collection=collection or s.manuals_collection
        )

    def service(self, collection: str | None = None) -> RetrievalService:
        """The hybrid search service of a collection."""
        name = collection or self.settings.manuals_collection
        if name not in self._services:
            self._services[name] = TimedRetrievalService(
                self.store(name), reranker=self.reranker, refresh_s=self.settings.retrieval_refresh_s
            )
        return self._services[name]
