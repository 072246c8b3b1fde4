"""Hybrid search: BM25 and dense retrieval under the same filter, fused by reciprocal rank fusion.

Indonesian questions are expanded with the glossary's English terms first (the manuals are English and
the embedding model is English-only). Fusion works at section level: each retriever's list is collapsed
to one entry per (source, section) — its best chunk — before RRF, so a section found by both retrievers
through different chunks gets both votes, and the k results are k different sections (a citation names a
section). An optional cross-encoder then reorders the top of the fused list.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Mapping, Sequence

from retrieval.glossary import default_glossary, expand_query
from retrieval.lexical import Bm25Index
from retrieval.rerank import Reranker
from retrieval.store import VectorStore
from retrieval.store_codec import visible
from retrieval.tokenize import STOPWORDS_EN, STOPWORDS_ID
from retrieval.types import Chunk, Hit, SearchFilter
from textkit.language import detect_language

BM25, DENSE = "bm25", "dense"
# Retriever weights per query language, and the RRF constant. Tuned on the LinuxCNC dev set: BM25 is the
# stronger retriever on manuals full of codes and parameter names, so it gets twice the dense vote, and a
# small constant lets first places count (results were stable for weights 1.5-3 and constants 5-20).
DEFAULT_WEIGHTS: Mapping[str, Mapping[str, float]] = {
    "en": {BM25: 2.0, DENSE: 1.0},
    "id": {BM25: 2.0, DENSE: 1.0},
}
RRF_K = 10
# Neighbours fetched per candidate needed when a filter is set: first 2x, then 8x, then the store filters.
OVERFETCH = (2, 8)
Ranked = Sequence[tuple[Chunk, float]]
# A question's sentences (at least this many words each) beside the whole question in the dense query.
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
MIN_SENTENCE_WORDS, MAX_SENTENCES = 3, 3


def section_key(chunk: Chunk) -> tuple[str, str]:
    """What makes two chunks the same citation: their source and heading path."""
    return chunk.source, chunk.section


def best_per_section(ranked: Ranked) -> list[tuple[Chunk, float]]:
    """The list with only the best-ranked chunk of each section, order kept."""
    seen: set[tuple[str, str]] = set()
    out: list[tuple[Chunk, float]] = []
    for chunk, score in ranked:
        key = section_key(chunk)
        if key not in seen:
            seen.add(key)
            out.append((chunk, score))
    return out


def rrf(
    lists: Mapping[str, Ranked],
    weights: Mapping[str, float],
    rrf_k: int = RRF_K,
    key: Callable[[Chunk], Hashable] | None = None,
) -> list[Hit]:
    """Reciprocal rank fusion: score = sum of weight / (rrf_k + rank) over the lists an item is in.

    Items are chunks, or whatever `key` groups them by (e.g. sections); a group is represented by the
    chunk that holds its best rank."""
    hits: dict[Hashable, Hit] = {}
    best: dict[Hashable, int] = {}
    for name, ranked in lists.items():
        w = weights.get(name, 1.0)
        seen: set[Hashable] = set()
        for rank, (chunk, _) in enumerate(ranked, 1):
            item = key(chunk) if key else chunk.id
            if item in seen:
                continue  # only the best rank of a group counts in each list
            seen.add(item)
            hit = hits.setdefault(item, Hit(chunk=chunk, score=0.0))
            hit.score += w / (rrf_k + rank)
            hit.ranks[name] = rank
            if rank < best.get(item, rank + 1):
                best[item], hit.chunk = rank, chunk
    # ties: the better best rank first, then id, so results are deterministic
    return sorted(hits.values(), key=lambda h: (-h.score, min(h.ranks.values()), h.chunk.id))


def query_sentences(text: str) -> list[str]:
    """A question's sentences of at least MIN_SENTENCE_WORDS words, the last MAX_SENTENCES of them when it
    has several (the question itself comes last; earlier ones are background); else the whole text."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if len(s.split()) >= MIN_SENTENCE_WORDS]
    return sentences[-MAX_SENTENCES:] if len(sentences) > 1 else [text]


def mean_direction(vectors: Sequence[Sequence[float]]) -> list[float]:
    """The unit vector along the sum of unit vectors: ranking by it ranks by the mean cosine."""
    total = [0.0] * len(vectors[0])
    for vec in vectors:
        norm = math.sqrt(sum(x * x for x in vec)) or 1.0
        total = [t + x / norm for t, x in zip(total, vec, strict=True)]
    norm = math.sqrt(sum(x * x for x in total)) or 1.0
    return [t / norm for t in total]


def query_language(query: str) -> str:
    """'id' or 'en': the agent's detector; its ties (e.g. "suhu barel terlalu panas", no marker word) go
    to Indonesian when Indonesian function words and Indonesian-only glossary terms outnumber English
    function words."""
    if detect_language(query, "en") == detect_language(query, "id"):
        return detect_language(query, "en")
    words = query.lower().split()
    id_score = sum(w in STOPWORDS_ID for w in words) + default_glossary().indonesian_evidence(query)
    return "id" if id_score > sum(w in STOPWORDS_EN for w in words) else "en"


class HybridSearcher:
    """BM25 + dense retrieval fused with RRF, filters applied before ranking in both retrievers."""

    def __init__(
        self,
        store: VectorStore,
        lexical: Bm25Index,
        *,
        reranker: Reranker | None = None,
        rrf_k: int = RRF_K,
        candidates: int = 50,
        weights: Mapping[str, Mapping[str, float]] = DEFAULT_WEIGHTS,
        per_section: bool = True,
        rerank_top: int = 20,
        catalog: Mapping[str, Chunk] | None = None,
    ) -> None:
        self.store, self.lexical, self.reranker = store, lexical, reranker
        self.rrf_k, self.candidates, self.weights = rrf_k, candidates, weights
        self.per_section, self.rerank_top = per_section, rerank_top
        # Every chunk by id (the lexical index holds them anyway): when given, the dense side asks the store
        # for ids only and filters in memory, instead of reading records or letting Chroma scan metadata.
        self.catalog = catalog

    def search(
        self, query: str, k: int = 5, flt: SearchFilter = SearchFilter(), lang: str | None = None
    ) -> list[Hit]:
        """The k best chunks (one per section) for a query, with fused score and per-retriever ranks."""
        lang = lang or query_language(query)
        text = expand_query(query, lang)
        lists = {BM25: self._bm25(text, flt, lang), DENSE: self._dense(text, flt, whole=lang == "id")}
        key = section_key if self.per_section else _chunk_id
        hits = rrf(lists, self.weights.get(lang, DEFAULT_WEIGHTS["en"]), self.rrf_k, key)
        if self.reranker is not None:
            hits = self._rerank(text, hits, max(k, self.rerank_top))
        return hits[:k]

    def dense_only(
        self,
        query: str,
        k: int = 5,
        flt: SearchFilter = SearchFilter(),
        lang: str | None = None,
        *,
        expand: bool = False,
    ) -> list[Hit]:
        """Baseline: the dense retriever alone on the plain query (expand=True adds the glossary)."""
        text = expand_query(query, lang or query_language(query)) if expand else query
        return _as_hits(DENSE, self._dense(text, flt, max(k, self.candidates), whole=True), k)

    def bm25_only(
        self,
        query: str,
        k: int = 5,
        flt: SearchFilter = SearchFilter(),
        lang: str | None = None,
        *,
        expand: bool = False,
    ) -> list[Hit]:
        """Baseline: BM25 alone on the plain query (expand=True adds the glossary)."""
        lang = lang or query_language(query)
        text = expand_query(query, lang) if expand else query
        return _as_hits(BM25, self._bm25(text, flt, lang, max(k, self.candidates)), k)

    def _bm25(
        self, text: str, flt: SearchFilter, lang: str, n: int | None = None
    ) -> list[tuple[Chunk, float]]:
        ranked = self.lexical.search(text, n or self.candidates, flt, lang=lang)
        return best_per_section(ranked) if self.per_section else ranked

    def _dense(
        self, text: str, flt: SearchFilter, n: int | None = None, *, whole: bool = False
    ) -> list[tuple[Chunk, float]]:
        n = n or self.candidates
        vector = self.store.embed_query(text) if whole else self.query_vector(text)
        if self.catalog is None:
            ranked = self.store.query(vector, n, flt)
        else:
            ranked = self._dense_catalog(vector, flt, n)
        return best_per_section(ranked) if self.per_section else ranked

    def query_vector(self, text: str) -> list[float]:
        """The dense query: the mean direction of the question's sentences, each embedded on its own.

        Operators describe a situation in several sentences ("We wired X. The axis never moves. What INI
        setting is needed?"); one vector of the whole text is dominated by its longest sentence, so each
        sentence gets an equal vote. Costs about one embedding of the whole (short texts, one batch).
        Indonesian queries keep the one vector of the whole: their glossary's English terms are appended
        as one bag of words, which must stay in the vector, not become a sentence of its own."""
        parts = query_sentences(text)
        if len(parts) == 1:
            return self.store.embed_query(text)
        return mean_direction(self.store.embed_queries(parts))

    def _dense_catalog(self, vector: list[float], flt: SearchFilter, n: int) -> list[tuple[Chunk, float]]:
        """The n nearest chunks the filter lets through: unfiltered neighbour ids, filtered in memory.

        When fewer than n of the fetched neighbours pass, a larger fetch follows (each fetch only when the
        filter's share of chunks lets it hold n), then a search among the ids the filter allows (from the
        lexical index's masks: no metadata scan). Each gives the n best of the filtered set, because
        filtering a nearest-first list keeps its order. Ids missing from the catalog (written since it was
        built) force the store's own filtered search."""
        assert self.catalog is not None
        fetches: tuple[int, ...] = (n,)
        if flt != SearchFilter():
            # Over-fetching pays only when the fetch can hold n passing chunks; with a rarer filter (e.g. one
            # machine's chunks) go straight to searching among the allowed ids.
            share = self.lexical.allowed_share(flt)
            fetches = tuple(n * f for f in OVERFETCH if share * n * f >= n)
        for fetch in fetches:
            near = self.store.nearest_ids(vector, fetch)
            known = [(self.catalog.get(i), s) for i, s in near]
            passing = [(c, s) for c, s in known if c is not None and visible(c, flt)]
            complete = all(c is not None for c, _ in known)
            if complete and (len(passing) >= n or len(near) < fetch):
                return passing[:n]
            if not complete:
                return self.store.query(vector, n, flt)
        allowed = self.lexical.allowed_ids(flt)
        if allowed is None:
            return self.store.query(vector, n, flt)
        near = self.store.nearest_ids(vector, n, among=allowed)
        if any(i not in self.catalog for i, _ in near):
            return self.store.query(vector, n, flt)
        return [(self.catalog[i], s) for i, s in near]

    def _rerank(self, query: str, hits: list[Hit], top: int) -> list[Hit]:
        """The top hits reordered by the cross-encoder, whose score replaces the fused one; only those."""
        assert self.reranker is not None
        head = hits[:top]
        # the heading path goes with the text: section titles are often the best evidence
        scores = self.reranker.score(query, [f"{h.chunk.section}\n{h.chunk.text}" for h in head])
        for hit, s in zip(head, scores, strict=True):
            hit.score = s
        head.sort(key=lambda h: -h.score)
        for rank, hit in enumerate(head, 1):
            hit.ranks["rerank"] = rank
        return head


def _chunk_id(chunk: Chunk) -> str:
    return chunk.id


def _as_hits(name: str, ranked: Ranked, k: int) -> list[Hit]:
    return [Hit(chunk=c, score=s, ranks={name: r}) for r, (c, s) in enumerate(ranked[:k], 1)]
