"""`python -m bench.run --only retrieval`: retrieval quality, latency and ingestion speed (LinuxCNC corpus).

1. Quality: the dev questions (../shared/corpus/linuxcnc-qa-dev.jsonl) against the whole corpus, per
   language: recall@1, recall@5 and MRR@10 at file and section level (rules in retrieval/quality.py) for
   hybrid search and the two plain baselines, dense-only Chroma and BM25-only, with p50/p95 query latency
   of each (model loaded, indexes built, one warm-up pass first).
2. Ingestion: `ingest()` of one corpus folder into a scratch store, in chunks/s, against embedding the
   same chunk texts directly with the same model in the same run (the ratio is ingestion's overhead).
3. Scale: query latency at 100,000 chunks (bench/retrieval_scale.py).

The corpus store is built once from cached vectors under data/bench/ (keyed by content hash).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bench.retrieval_data import (
    BENCH_DATA,
    DOCS,
    QA,
    cached_store,
    chunks_digest,
    corpus_chunks,
    digest,
    vectors_for,
)
from retrieval.embeddings import SentenceTransformerEmbedder
from retrieval.ingest import ingest
from retrieval.lexical import Bm25Index
from retrieval.quality import Question, file_match, load_questions, score, section_match
from retrieval.search import HybridSearcher
from retrieval.store import ChromaStore
from retrieval.store_codec import LAYOUT, embedding_text
from retrieval.types import Chunk, Hit
from textkit.tokens import TokenCounter

console = Console(width=150)  # tables are wide; rich would squeeze them to 80 columns without a terminal
SYSTEMS = ("hybrid", "dense", "bm25")
INGEST_FOLDER = "motion"  # a corpus folder of a few hundred chunks: ingestion is timed on it every run
REPEAT = int(os.environ.get("BENCH_RETRIEVAL_REPEAT", "3"))  # timed passes over the questions


def progress_bar() -> Progress:
    """The bar shown for long steps (embedding, filling a store)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def tracked(bar: Progress, description: str) -> Callable[[int, int], None]:
    """A progress callback (done, total) drawing one task of the bar."""
    task = bar.add_task(description, total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return update


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p95) in milliseconds of durations in seconds."""
    if len(samples) < 2:
        ms = samples[0] * 1000 if samples else 0.0
        return ms, ms
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000


def runners(searcher: HybridSearcher) -> dict[str, Callable[[Question], list[Hit]]]:
    """Each system as a function of a question, top 10."""
    return {
        "hybrid": lambda q: searcher.search(q.question, 10, lang=q.lang),
        "dense": lambda q: searcher.dense_only(q.question, 10, lang=q.lang),
        "bm25": lambda q: searcher.bm25_only(q.question, 10, lang=q.lang),
    }


def evaluate(searcher: HybridSearcher, questions: list[Question]) -> dict[str, Any]:
    """Scores per language, system and level, and latency per system over REPEAT timed passes."""
    runs = runners(searcher)
    for q in questions:  # warm-up: caches, lazy imports, first-call allocations
        for run in runs.values():
            run(q)
    ranked: dict[str, dict[str, list[Chunk]]] = {name: {} for name in runs}
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(REPEAT):
        for q in questions:
            for name, run in runs.items():
                started = time.perf_counter()
                hits = run(q)
                times.setdefault((q.lang, name), []).append(time.perf_counter() - started)
                ranked[name][q.id] = [h.chunk for h in hits]
    quality: dict[str, Any] = {}
    latency: dict[str, Any] = {}
    halves = split_halves(questions)
    groups = [
        (lang, [q for q in questions if q.lang == lang]) for lang in sorted({q.lang for q in questions})
    ]
    # Each language's questions in two fixed halves (alternating by id): a ranking change is chosen on
    # "tune" and must hold on "held" (never tune on the whole dev set)
    groups += [
        (f"{lang}-{half}", [q for q in mine if halves[q.id] == half])
        for lang, mine in list(groups)
        for half in ("tune", "held")
    ]
    for group, mine in groups:
        lang = group.split("-")[0]
        quality[group] = {
            name: {
                level: vars(score([(q, ranked[name][q.id]) for q in mine], match))
                for level, match in (("file", file_match), ("section", section_match))
            }
            for name in runs
        }
        latency[group] = {name: percentiles(times[(lang, name)]) for name in runs}
    return {"quality": quality, "latency_ms": latency}


def split_halves(questions: list[Question]) -> dict[str, str]:
    """Question id -> "tune" or "held": per language, sorted by id, alternating (tune first)."""
    out: dict[str, str] = {}
    for lang in {q.lang for q in questions}:
        mine = sorted((q for q in questions if q.lang == lang), key=lambda q: q.id)
        out.update({q.id: "tune" if i % 2 == 0 else "held" for i, q in enumerate(mine)})
    return out


def measure_ingest(embedder: SentenceTransformerEmbedder, counter: TokenCounter) -> dict[str, Any]:
    """Chunks/s of ingest() into a scratch store vs chunks/s of embedding the same texts directly."""
    folder = DOCS / INGEST_FOLDER
    texts = [embedding_text(c) for c in corpus_chunks(folder, counter)]
    started = time.perf_counter()
    embedder.embed(texts)
    raw_s = time.perf_counter() - started
    with (
        tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp,
        ChromaStore(embedder, path=Path(tmp), collection="ingest") as store,
    ):
        report = ingest(folder, store, counter)
    return {
        "folder": f"linuxcnc/{INGEST_FOLDER}",
        "chunks": report.chunks_written,
        "ingest_chunks_per_s": report.chunks_written / report.seconds,
        "embed_chunks_per_s": len(texts) / raw_s,
        "ratio": (report.chunks_written / report.seconds) / (len(texts) / raw_s),
    }


def build_corpus(
    embedder: SentenceTransformerEmbedder, counter: TokenCounter
) -> tuple[list[Chunk], Any, dict[str, Any]]:
    """The corpus chunks, their vectors (cached) and build facts; the store itself is opened by the caller."""
    chunks = corpus_chunks(DOCS, counter)
    with progress_bar() as bar:
        vectors = vectors_for(chunks, embedder, tracked(bar, "embedding corpus chunks (cached)"))
    return chunks, vectors, {"chunks": len(chunks)}


def fill_from(chunks: list[Chunk], vectors: Any, description: str) -> Callable[[ChromaStore], None]:
    """A store filler writing chunks with precomputed vectors, with a progress bar."""

    def fill(store: ChromaStore) -> None:
        step = 2000
        with progress_bar() as bar:
            update = tracked(bar, description)
            for start in range(0, len(chunks), step):
                store.upsert(chunks[start : start + step], vectors[start : start + step].tolist())
                update(min(start + step, len(chunks)), len(chunks))

    return fill


def retrieval_section(args: argparse.Namespace) -> dict[str, Any]:
    """The retrieval bench: quality and latency per system and language, ingestion speed, 100k latency."""
    from bench import retrieval_scale  # here: keeps `bench.run --only warehouse` from importing it

    if not (DOCS.is_dir() and QA.is_file()):
        console.print(f"[yellow]skipped: dev corpus not found under {DOCS.parent}[/]")
        return {"skipped": f"no corpus at {DOCS.parent}"}
    embedder = SentenceTransformerEmbedder(onnx_dir=BENCH_DATA / "onnx")  # as RetrievalHub builds it
    counter = TokenCounter(BENCH_DATA / "tiktoken")
    started = time.perf_counter()
    embedder.load()
    load_s = time.perf_counter() - started
    questions = load_questions(QA)
    chunks, vectors, facts = build_corpus(embedder, counter)
    key = digest(chunks_digest(chunks), embedder.model_id, LAYOUT)
    fill = fill_from(chunks, vectors, "filling the corpus store")
    with cached_store("linuxcnc", key, embedder, fill) as (store, _):
        started = time.perf_counter()
        stored = store.all_chunks()
        lexical = Bm25Index()
        lexical.build(stored)
        facts["bm25_build_s"] = time.perf_counter() - started
        searcher = HybridSearcher(store, lexical, catalog={c.id: c for c in stored})  # as RetrievalService
        figures = evaluate(searcher, questions)
    figures.update(corpus=facts, model_load_s=load_s, questions=len(questions), repeat=REPEAT)
    figures["ingest"] = measure_ingest(embedder, counter)
    print_quality(figures)
    print_ingest(figures["ingest"])
    figures["scale"] = retrieval_scale.run_scale(embedder, chunks, vectors, questions)
    figures["load_average"] = os.getloadavg()
    console.print(f"load average at the end: {' '.join(f'{x:.2f}' for x in figures['load_average'])}")
    return figures


def print_quality(figures: dict[str, Any]) -> None:
    """One row per language and system: file and section level figures, latency, ratios to hybrid."""
    table = Table(
        "lang",
        "system",
        "file R@1",
        "file R@5",
        "file MRR@10",
        "section R@1",
        "section R@5",
        "section MRR@10",
        "p50 ms",
        "p95 ms",
        title=f"retrieval quality on the LinuxCNC dev set ({figures['corpus']['chunks']:,} chunks, "
        f"{figures['questions']} questions, latency over {figures['repeat']} passes)",
    )
    for lang, systems in figures["quality"].items():
        for name in SYSTEMS:
            f, s = systems[name]["file"], systems[name]["section"]
            p50, p95 = figures["latency_ms"][lang][name]
            table.add_row(
                f"{lang} (n={s['n']})",
                name,
                f"{f['r1']:.2f}",
                f"{f['r5']:.2f}",
                f"{f['mrr10']:.3f}",
                f"{s['r1']:.2f}",
                f"{s['r5']:.2f}",
                f"{s['mrr10']:.3f}",
                f"{p50:.1f}",
                f"{p95:.1f}",
            )
    console.print(table)


def print_ingest(figures: dict[str, Any]) -> None:
    """Ingestion throughput against raw embedding throughput."""
    console.print(
        f"ingestion of {figures['folder']} ({figures['chunks']} chunks): "
        f"{figures['ingest_chunks_per_s']:.1f} chunks/s; embedding the same texts directly: "
        f"{figures['embed_chunks_per_s']:.1f} chunks/s; ratio {figures['ratio']:.2f}"
    )
