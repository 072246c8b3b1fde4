"""The real embedding model (loaded from the installed package, offline) with a real Chroma store on disk."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import chromadb
import pytest
from chromadb.config import Settings

import retrieval.embeddings as embeddings
import retrieval.store as store_module
from retrieval.embeddings import SentenceTransformerEmbedder, default_model_path
from retrieval.store import ChromaStore, EmbeddingModelMismatch
from retrieval.store_codec import where_clause
from retrieval.types import Chunk, SearchFilter

pytestmark = pytest.mark.slow  # loads the model once per module (~10 s, mostly importing torch)

# id: (machine, doc_type, lang, roles allowed, text)
TEXTS: dict[str, tuple[str, str, str, tuple[str, ...], str]] = {
    "weld-wire": ("MCH-003", "troubleshooting", "en", (), (
        "E-21 wire feed fault: the welding wire does not advance or stutters. Check the drive roll tension, "
        "replace a kinked liner and a worn contact tip, and make sure the spool brake is not too tight.")),
    "weld-gas": ("MCH-003", "maintenance", "en", (), (
        "Shielding gas: set the argon/CO2 flow to 15 litres per minute; check the hose for leaks weekly.")),
    "cnc-coolant": ("MCH-001", "maintenance", "en", (), (
        "Coolant: top up the sump with 5 percent emulsion and clean the pump filter every 250 hours.")),
    "cnc-spindle": ("MCH-001", "troubleshooting", "en", (), (
        "Spindle overheating alarm: let the spindle cool down, check the lubrication unit and the chiller.")),
    "mold-heater": ("MCH-002", "troubleshooting", "en", (), (
        "Barrel heater zone 3 does not reach temperature: check the thermocouple and the heater band fuse.")),
    "weld-loto": ("MCH-003", "safety", "en", ("TECHNICIAN",), (
        "Lockout/tagout before opening the electrical cabinet: switch off the main isolator, lock it, test "
        "for zero voltage.")),
    "weld-wire-id": ("MCH-003", "troubleshooting", "id", (), (
        "Gangguan pengumpanan kawat E-21: kawat las tidak maju. Periksa tegangan roda penggerak dan liner.")),
}  # fmt: skip


def make_chunk(cid: str) -> Chunk:
    """The chunk of one entry of TEXTS; one source per machine and language."""
    machine, doc_type, lang, roles, text = TEXTS[cid]
    source = f"{machine.lower()}/manual.{lang}.md"
    return Chunk(
        id=cid,
        text=text,
        source=source,
        section=f"Manual > {doc_type}",
        line_start=1,
        line_end=9,
        tokens=len(text.split()),
        doc_type=doc_type,
        lang=lang,
        machines=(machine,),
        roles=roles,
        content_hash=f"sha-{source}",
    )


def make_chunks() -> list[Chunk]:
    """Every chunk of TEXTS."""
    return [make_chunk(cid) for cid in TEXTS]


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    """The real model, on CPU here (CUDA where available), loaded once for the module."""
    emb = SentenceTransformerEmbedder()
    emb.load()
    return emb


@pytest.fixture
def store(embedder: SentenceTransformerEmbedder, tmp_path: Path) -> Iterator[ChromaStore]:
    """A persistent Chroma store in tmp_path holding the chunks above."""
    with ChromaStore(embedder, path=tmp_path / "chroma") as s:
        s.upsert(make_chunks())
        yield s


def ids(hits: list[tuple[Chunk, float]]) -> list[str]:
    """The chunk ids of query results, best first."""
    return [c.id for c, _ in hits]


def test_model_loads_offline_from_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: Any, **kwargs: Any) -> None:
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    emb = SentenceTransformerEmbedder(device="cpu")
    assert not emb.loaded and emb.model_path == default_model_path()
    (vec,) = emb.embed(["wire feed"])
    assert len(vec) == emb.dim == 384
    assert sum(x * x for x in vec) == pytest.approx(1.0, abs=1e-5)
    assert emb.model_id.startswith("all-MiniLM-L6-v2@")


def test_concurrent_first_embeds_load_the_model_once(monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[Path] = []
    real = embeddings._load_local_model

    def counting(path: Path, device: str) -> Any:
        loads.append(path)
        return real(path, device)

    monkeypatch.setattr(embeddings, "_load_local_model", counting)
    emb = SentenceTransformerEmbedder(device="cpu", batch_size=2)
    threads = [threading.Thread(target=emb.embed, args=([f"text {i}"] * 3,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(loads) == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("wire feed problem", "weld-wire"),
        ("how often do I clean the coolant filter", "cnc-coolant"),
        ("plastic machine barrel temperature too low", "mold-heater"),
    ],
)
def test_query_finds_the_semantically_right_chunk(store: ChromaStore, query: str, expected: str) -> None:
    hits = store.query(query, k=3, flt=SearchFilter(lang="en"))
    assert ids(hits)[0] == expected
    assert 1.0 >= hits[0][1] > hits[1][1]


def test_chroma_uses_our_embedding_function_for_text_queries(store: ChromaStore) -> None:
    res = store.collection.query(query_texts=["wire feed problem"], n_results=1)
    assert res["ids"] == [["weld-wire"]]


@pytest.mark.parametrize(
    "probes", [((2, 10), 20), ((1,), 1), ((), 1)], ids=["probes", "small-probe", "where"]
)
def test_machine_filter_applies_before_ranking(
    store: ChromaStore, probes: tuple[tuple[int, ...], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "PROBE_FACTORS", probes[0])
    monkeypatch.setattr(store_module, "PROBE_MIN", probes[1])
    near = [
        replace(make_chunk("weld-wire"), id=f"wire-{i}", text=f"Wire feed problem {i}.") for i in range(30)
    ]
    store.upsert(near)
    hits = store.query("wire feed problem", k=1, flt=SearchFilter(machine="MCH-001"))
    assert len(hits) == 1 and hits[0][0].machines == ("MCH-001",)
    assert all(
        c.machines == ("MCH-001",) for c, _ in store.query("wire feed problem", 10, SearchFilter("mch-001"))
    )


@pytest.mark.parametrize(
    "flt",
    [
        SearchFilter(machine="MCH-003"),
        SearchFilter(lang="en"),
        SearchFilter(role="OPERATOR"),
        SearchFilter(doc_type="troubleshooting", role="TECHNICIAN"),
        SearchFilter(machine="MCH-009"),
    ],
)
def test_probe_and_chroma_filter_agree(store: ChromaStore, flt: SearchFilter) -> None:
    for question in ("wire feed problem", "coolant filter", "electrical cabinet safety"):
        (vector,) = store.embedder.embed([question])
        for k in (1, 3, 10):
            expected = store._knn(vector, k, where_clause(flt))
            assert [(c, round(s, 5)) for c, s in store.query(vector, k, flt)] == [
                (c, round(s, 5)) for c, s in expected
            ]


def test_doc_type_and_language_filters(store: ChromaStore) -> None:
    assert ids(store.query("wire feed problem", 5, SearchFilter(lang="id"))) == ["weld-wire-id"]
    safety = store.query("wire feed problem", 5, SearchFilter(doc_type="safety"))
    assert ids(safety) == ["weld-loto"]


def test_role_restriction(store: ChromaStore) -> None:
    question = "lockout before opening the electrical cabinet"
    assert "weld-loto" not in ids(store.query(question, 10, SearchFilter(role="OPERATOR")))
    assert ids(store.query(question, 1, SearchFilter(role="technician"))) == ["weld-loto"]
    assert ids(store.query(question, 1, SearchFilter())) == ["weld-loto"]
    assert "weld-loto" not in {c.id for c in store.all_chunks(SearchFilter(role="OPERATOR"))}


def test_sources_delete_source_and_paging(store: ChromaStore) -> None:
    store._batch = 2  # exercise the paged reads and deletes with a tiny page
    assert store.sources() == {c.source: c.content_hash for c in make_chunks()}
    assert store.delete_source("mch-003/manual.en.md") == 3
    assert store.delete_source("mch-003/manual.en.md") == 0
    assert store.count() == len(TEXTS) - 3
    assert "mch-003/manual.en.md" not in store.sources()
    assert all(c.source != "mch-003/manual.en.md" for c, _ in store.query("wire feed problem", 10))


def test_upsert_replaces_by_id_and_accepts_vectors(store: ChromaStore) -> None:
    changed = replace(make_chunks()[0], text="Wire feed: see chapter 7.", content_hash="sha-new")
    store.upsert([changed], vectors=store.embedder.embed([changed.text]))
    assert store.count() == len(TEXTS)
    assert store.query("wire feed", 1, SearchFilter(lang="en"))[0][0] == changed


def test_persists_across_a_new_client(embedder: SentenceTransformerEmbedder, tmp_path: Path) -> None:
    path = tmp_path / "chroma"
    with ChromaStore(embedder, path=path, collection="kb-test") as first:
        first.upsert(make_chunks())
        before = first.query("wire feed problem", 3)
    with ChromaStore(embedder, path=path, collection="kb-test") as second:
        assert second.count() == len(TEXTS)
        assert sorted(second.all_chunks(), key=lambda c: c.id) == sorted(make_chunks(), key=lambda c: c.id)
        assert ids(second.query("wire feed problem", 3)) == ids(before)


def test_another_model_is_refused(embedder: SentenceTransformerEmbedder, tmp_path: Path) -> None:
    with ChromaStore(embedder, path=tmp_path / "chroma") as s:
        s.upsert(make_chunks()[:1])
    other = tmp_path / "other-model"  # the same files, but a different max_seq_length: another model_id
    other.mkdir()
    for item in default_model_path().iterdir():
        if item.name != "sentence_bert_config.json":
            (other / item.name).symlink_to(item)
    (other / "sentence_bert_config.json").write_text('{"max_seq_length": 128, "do_lower_case": false}')
    with pytest.raises(EmbeddingModelMismatch, match="all-MiniLM-L6-v2@"):
        ChromaStore(SentenceTransformerEmbedder(other), path=tmp_path / "chroma")
    with ChromaStore(embedder, path=tmp_path / "chroma") as again:  # the failed open left nothing locked
        assert again.count() == 1


def test_foreign_collections(embedder: SentenceTransformerEmbedder, tmp_path: Path) -> None:
    client = chromadb.PersistentClient(
        path=str(tmp_path / "chroma"), settings=Settings(anonymized_telemetry=False)
    )
    client.get_or_create_collection("empty-one", embedding_function=None)
    full = client.get_or_create_collection("full-one", embedding_function=None)
    full.add(ids=["x"], embeddings=[[1.0] + [0.0] * 383], documents=["text"])  # type: ignore[arg-type]
    client.close()  # type: ignore[attr-defined]
    with ChromaStore(embedder, path=tmp_path / "chroma", collection="empty-one") as adopted:
        adopted.upsert(make_chunks()[:2])
        assert adopted.collection.metadata and adopted.collection.metadata["model_id"] == embedder.model_id
    with pytest.raises(EmbeddingModelMismatch, match="'full-one' holds vectors of model None"):
        ChromaStore(embedder, path=tmp_path / "chroma", collection="full-one")
