"""BM25 over chunks (bm25s), with metadata filters applied before ranking.

The indexed text of a chunk is its heading path (weighted, so section titles count) plus its text. The
filter is turned into a boolean mask over the corpus first and only the allowed chunks are ranked, so a
restricted chunk can never push an allowed one out of the top k.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from itertools import chain

import bm25s
import numpy as np

from retrieval.tokenize import Analyzer, default_analyzer, words
from retrieval.types import Chunk, SearchFilter

# Section titles are short and precise: repeating the heading path gives them the weight of a field boost.
HEADING_WEIGHT = 2
K1, B = 1.2, 0.75


class Bm25Index:
    """An in-memory BM25 index over chunks; rebuilt from the store on startup (seconds at 100k chunks)."""

    def __init__(
        self,
        analyzer: Analyzer | None = None,
        *,
        k1: float = K1,
        b: float = B,
        heading_weight: int = HEADING_WEIGHT,
    ) -> None:
        self.analyzer = analyzer or default_analyzer()
        self.k1, self.b, self.heading_weight = k1, b, heading_weight
        self._chunks: list[Chunk] = []
        self._bm25: bm25s.BM25 | None = None
        self._masks = _FilterMasks([])
        self._ids = np.array([], dtype=object)

    def __len__(self) -> int:
        return len(self._chunks)

    def indexed_text(self, chunk: Chunk) -> str:
        """What BM25 sees for a chunk: its heading path (weighted) and its text."""
        heading = chunk.section.replace(" > ", " . ")
        return "\n".join([heading] * self.heading_weight + [chunk.text])

    def build(self, chunks: Iterable[Chunk]) -> None:
        """(Re)build the index over these chunks."""
        self._chunks = list(chunks)
        self._masks = _FilterMasks(self._chunks)
        self._ids = np.array([c.id for c in self._chunks], dtype=object)  # masks select from it in one step
        if not self._chunks:
            self._bm25 = None
            return
        vocab: dict[str, int] = {}
        tables = {lang: _IdMemo(self.analyzer.terms_table(lang), vocab) for lang in ("en", "id")}
        ids = [
            list(
                chain.from_iterable(map(tables[c.lang if c.lang == "id" else "en"].__getitem__, words(text)))
            )
            for c in self._chunks
            for text in (self.indexed_text(c),)
        ]
        vocab.setdefault("", len(vocab))  # bm25s scores empty documents against this token
        bm25 = bm25s.BM25(k1=self.k1, b=self.b)
        _quiet_bm25s()
        bm25.index((ids, vocab), show_progress=False, create_empty_token=False)
        self._bm25 = bm25

    def search(
        self, query: str, k: int, flt: SearchFilter = SearchFilter(), lang: str = "en"
    ) -> list[tuple[Chunk, float]]:
        """The k best chunks allowed by the filter, best first, with their BM25 scores (> 0 only)."""
        if self._bm25 is None or k <= 0:
            return []
        allowed = self._masks.mask(flt)
        if allowed is not None and not allowed.any():
            return []
        ids = self._bm25.get_tokens_ids(self.analyzer.tokens(query, lang))
        if not ids:
            return []
        weights = None if allowed is None else allowed.astype(np.float32)
        scores = self._bm25.get_scores_from_ids(ids, weight_mask=weights)
        return [(self._chunks[i], float(scores[i])) for i in _top_positive(scores, k)]

    def allowed_share(self, flt: SearchFilter) -> float:
        """The share of indexed chunks the filter lets through (1.0 for no filter or an empty index)."""
        allowed = self._masks.mask(flt)
        if allowed is None or not len(self._chunks):
            return 1.0
        return float(allowed.sum()) / len(self._chunks)

    def allowed_ids(self, flt: SearchFilter) -> list[str] | None:
        """Ids of the indexed chunks the filter lets through; None when it lets all through."""
        allowed = self._masks.mask(flt)
        if allowed is None:
            return None
        ids: list[str] = self._ids[allowed].tolist()
        return ids


class _IdMemo(dict[str, tuple[int, ...]]):
    """raw word -> vocabulary ids of its terms, filled on first sight (one dict lookup per word after)."""

    def __init__(self, terms: dict[str, tuple[str, ...]], vocab: dict[str, int]) -> None:
        super().__init__()
        self._terms, self._vocab = terms, vocab

    def __missing__(self, raw: str) -> tuple[int, ...]:
        ids = self[raw] = tuple(self._vocab.setdefault(t, len(self._vocab)) for t in self._terms[raw])
        return ids


def _top_positive(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the k highest strictly positive scores, best first (ties by position, for stability)."""
    candidates = np.flatnonzero(scores > 0)
    if len(candidates) > k:
        part = np.argpartition(-scores[candidates], k - 1)[:k]
        candidates = candidates[part]
    order = np.lexsort((candidates, -scores[candidates]))
    return [int(i) for i in candidates[order]]


class _FilterMasks:
    """Boolean masks per filter value, precomputed so a filtered query costs a few vector ANDs."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.n = len(chunks)
        self._lang = _index_by(chunks, lambda c: [c.lang])
        self._doc_type = _index_by(chunks, lambda c: [c.doc_type])
        self._machine = _index_by(chunks, lambda c: [_fold(m) for m in c.machines])
        self._role = _index_by(chunks, lambda c: [_fold(r) for r in c.roles])
        self._open = np.array([not c.roles for c in chunks], dtype=bool)

    def mask(self, flt: SearchFilter) -> np.ndarray | None:
        """Which chunks the filter allows; None when it allows all."""
        parts: list[np.ndarray] = []
        if flt.lang:
            parts.append(self._get(self._lang, flt.lang))
        if flt.doc_type:
            parts.append(self._get(self._doc_type, flt.doc_type))
        if flt.machine:
            parts.append(self._get(self._machine, _fold(flt.machine)))
        if flt.role:
            # unrestricted chunks are open to any reader; restricted ones only to the roles they name
            parts.append(self._open | self._get(self._role, _fold(flt.role)))
        if not parts:
            return None
        out = parts[0].copy()
        for p in parts[1:]:
            out &= p
        return out

    def _get(self, table: dict[str, np.ndarray], key: str) -> np.ndarray:
        found = table.get(key)
        return found if found is not None else np.zeros(self.n, dtype=bool)


def _fold(value: str) -> str:
    """Machine codes and roles match case-insensitively, as in the vector store's filters."""
    return value.strip().upper()


def _index_by(chunks: list[Chunk], keys_of: Callable[[Chunk], list[str]]) -> dict[str, np.ndarray]:
    positions: dict[str, list[int]] = {}
    for i, c in enumerate(chunks):
        for key in keys_of(c):
            positions.setdefault(key, []).append(i)
    out: dict[str, np.ndarray] = {}
    for key, idx in positions.items():
        mask = np.zeros(len(chunks), dtype=bool)
        mask[idx] = True
        out[key] = mask
    return out


def _quiet_bm25s() -> None:
    # bm25s logs at INFO for routine events (e.g. empty queries); keep the service log clean.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
