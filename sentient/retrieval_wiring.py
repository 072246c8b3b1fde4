"""Builds the manual search from settings: embedder, Chroma store (embedded or server), hybrid service."""

from __future__ import annotations

import logging

from retrieval.embeddings import SentenceTransformerEmbedder
from retrieval.rerank import CrossEncoderReranker
from retrieval.service import RetrievalService
from retrieval.store import ChromaStore
from sentient.settings import Settings

log = logging.getLogger(__name__)


class RetrievalHub:
    """One embedder for the process and one search service per collection, made on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.embedder = SentenceTransformerEmbedder(device=settings.embed_device)  # loads on first embed
        self._services: dict[str, RetrievalService] = {}

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
            path = self.settings.rerank_model_path
            reranker = CrossEncoderReranker(path) if path else None
            self._services[name] = RetrievalService(self.store(name), reranker=reranker)
        return self._services[name]
