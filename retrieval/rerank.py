"""Optional second stage: a cross-encoder rescoring the fused candidates, from a local model only.

No cross-encoder ships with the project's dependencies, so the stage is off unless a model folder is
configured (settings.rerank_model_path) or found by `find_local_cross_encoder`. Nothing is ever fetched
from a hub: the model is loaded from its folder and the loader is told to stay offline.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder

# Folders looked at when no path is configured (relative to the working directory).
DEFAULT_LOCATIONS = (Path("models") / "cross-encoder", Path("data") / "models" / "cross-encoder")


class Reranker(Protocol):
    """Scores (query, passage) pairs; higher is more relevant."""

    def score(self, query: str, passages: list[str]) -> list[float]:
        """One relevance score per passage."""
        ...


def looks_like_cross_encoder(folder: Path) -> bool:
    """Whether a folder holds a Hugging Face sequence-classification model (a cross-encoder's layout)."""
    config = folder / "config.json"
    if not config.is_file():
        return False
    try:
        archs = json.loads(config.read_text(encoding="utf-8")).get("architectures") or []
    except (OSError, ValueError):
        return False
    return any(str(a).endswith("ForSequenceClassification") for a in archs)


def find_local_cross_encoder(locations: Iterable[Path] = DEFAULT_LOCATIONS) -> Path | None:
    """The first local folder holding a cross-encoder, or None (then the rerank stage stays off)."""
    for folder in locations:
        if folder.is_dir() and looks_like_cross_encoder(folder):
            return folder
    return None


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder loaded from a local folder, lazily, once."""

    def __init__(self, model_path: Path | str, *, device: str | None = None, batch_size: int = 32) -> None:
        self.model_path = Path(model_path)
        if not self.model_path.is_dir():
            raise FileNotFoundError(f"cross-encoder folder not found: {self.model_path}")
        self.device, self.batch_size = device, batch_size
        self._model: CrossEncoder | None = None
        self._lock = threading.Lock()

    def score(self, query: str, passages: list[str]) -> list[float]:
        """One relevance score per passage (the model's raw logit or probability)."""
        if not passages:
            return []
        scores = self._load().predict(
            [(query, p) for p in passages], batch_size=self.batch_size, show_progress_bar=False
        )
        return [float(s) for s in scores]

    def _load(self) -> CrossEncoder:
        with self._lock:
            if self._model is None:
                from sentence_transformers import CrossEncoder  # heavy import, only when the stage is used

                # a local path plus local_files_only: the loader never reaches for a hub
                self._model = CrossEncoder(str(self.model_path), device=self.device, local_files_only=True)
            return self._model
