"""Query latency at 100,000 chunks: the corpus plus synthetic copies, searched by a warm RetrievalService.

Embedding 100k chunks with MiniLM on 2 CPU cores would take hours, so the synthetic chunks reuse the real
corpus chunks: each copy gets its own source (synthetic/site-NN/...), drops one line of its text (so BM25
statistics are not exact multiples), gets a machine code (MCH-101..MCH-110) and, for one in ten, a role
restriction, and its vector is the real vector plus Gaussian noise (cosine about 0.95 to the original),
renormalised. Neighbour structure and posting lists are then as dense as a real corpus of that size. The
store is built once under data/bench/ and reused.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from bench.retrieval_data import cached_store, chunks_digest, digest
from retrieval.embeddings import SentenceTransformerEmbedder
from retrieval.glossary import expand_query
from retrieval.quality import Question
from retrieval.service import RetrievalService
from retrieval.store_codec import LAYOUT
from retrieval.types import Chunk, SearchFilter

console = Console(width=150)
TOTAL = 100_000
NOISE = 0.017  # per dimension: |noise| ~ 0.33 over 384 dimensions, so cosine to the original ~ 0.95
SEED = 4
MACHINES = tuple(f"MCH-{n}" for n in range(101, 111))
PASSES = 3
FILTERS = {
    "none": SearchFilter(),
    "role OPERATOR": SearchFilter(role="OPERATOR"),  # what /api/search and the agent pass
    "machine MCH-101 (~9 %)": SearchFilter(machine="MCH-101"),
}


def synthetic(chunks: list[Chunk], vectors: np.ndarray, total: int) -> tuple[list[Chunk], np.ndarray]:
    """The corpus chunks followed by varied copies up to `total`, with their vectors."""
    rng = np.random.default_rng(SEED)
    out, rows = list(chunks), [vectors]
    copy = 0
    while len(out) < total:
        copy += 1
        part = chunks[: total - len(out)]
        for n, c in enumerate(part):
            lines = c.text.split("\n")
            if len(lines) > 2:
                del lines[int(rng.integers(1, len(lines)))]
            out.append(
                replace(
                    c,
                    id=f"syn{copy:02d}-{c.id}",
                    source=f"synthetic/site-{copy:02d}/{c.source}",
                    text="\n".join(lines),
                    machines=(MACHINES[(copy + n) % len(MACHINES)],),
                    roles=("MANAGER_PROD",) if n % 10 == 0 else (),
                )
            )
        noise = rng.normal(0.0, NOISE, (len(part), vectors.shape[1])).astype(np.float32)
        noisy = vectors[: len(part)] + noise
        rows.append(noisy / np.linalg.norm(noisy, axis=1, keepdims=True))
    return out, np.concatenate(rows)


def run_scale(
    embedder: SentenceTransformerEmbedder, chunks: list[Chunk], vectors: np.ndarray, questions: list[Question]
) -> dict[str, Any]:
    """Build (or reuse) the 100k store, warm a RetrievalService on it, time the dev questions per mode."""
    from bench.retrieval import fill_from, percentiles

    every, matrix = synthetic(chunks, vectors, TOTAL)
    key = digest(chunks_digest(every), embedder.model_id, LAYOUT, NOISE, SEED)
    fill = fill_from(every, matrix, f"filling the {TOTAL:,}-chunk store")
    figures: dict[str, Any] = {"chunks": len(every), "synthetic": len(every) - len(chunks)}
    with cached_store("scale100k", key, embedder, fill) as (store, fill_s):
        figures["store_fill_s"] = fill_s
        service = RetrievalService(store, refresh_s=3600.0)
        started = time.perf_counter()
        service.searcher()  # reads every chunk and builds BM25: at start-up, never per query
        figures["bm25_build_s"] = time.perf_counter() - started
        figures["count"] = store.count()
        # Baseline: embedding the (glossary-expanded) query alone, the floor of any dense or hybrid search.
        texts = [expand_query(q.question, q.lang) for q in questions]
        for text in texts[:5]:
            store.embed_query(text)
        embed_s: list[float] = []
        for _ in range(PASSES):
            for text in texts:
                started = time.perf_counter()
                store.embed_query(text)
                embed_s.append(time.perf_counter() - started)
        latency: dict[str, Any] = {"query embedding only": percentiles(embed_s)}
        for label, flt in FILTERS.items():
            for mode in ("hybrid", "dense", "bm25"):
                for q in questions[:5]:  # warm-up
                    service.search(q.question, 5, flt, mode, q.lang)
                samples: list[float] = []
                for _ in range(PASSES):
                    for q in questions:
                        started = time.perf_counter()
                        service.search(q.question, 5, flt, mode, q.lang)
                        samples.append(time.perf_counter() - started)
                latency[f"{label} / {mode}"] = percentiles(samples)
        figures["latency_ms"] = latency
    print_scale(figures)
    return figures


def print_scale(figures: dict[str, Any]) -> None:
    """Latency per filter and mode at 100k chunks."""
    table = Table(
        "filter / mode",
        "p50 ms",
        "p95 ms",
        "p50 / embedding",
        "p95 / embedding",
        title=f"query latency at {figures['count']:,} chunks (k=5, {PASSES} passes over the dev questions; "
        f"{figures['synthetic']:,} synthetic chunks with perturbed real vectors)",
    )
    base50, base95 = figures["latency_ms"]["query embedding only"]
    for name, (p50, p95) in figures["latency_ms"].items():
        table.add_row(name, f"{p50:.1f}", f"{p95:.1f}", f"{p50 / base50:.2f}x", f"{p95 / base95:.2f}x")
    console.print(table)
    fill = figures["store_fill_s"]
    console.print(
        f"BM25 index built from the store in {figures['bm25_build_s']:.1f} s (start-up, not per query); "
        + (f"store filled in {fill:.0f} s" if fill is not None else "store reused from data/bench/")
    )
