"""The fake embedder and store, the chunk <-> Chroma metadata encoding, filters, and the Chroma adapter."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from retrieval.embeddings import ChromaEmbeddingFunction, embedder_model_id, model_fingerprint
from retrieval.fakes import HashEmbedder, MemoryVectorStore
from retrieval.store import parse_chroma_url
from retrieval.store_codec import chunk_from_record, chunk_metadata, visible, where_clause
from retrieval.types import Chunk, SearchFilter


def chunk(cid: str, text: str, **fields: object) -> Chunk:
    """A chunk with plausible defaults for the fields a test does not care about."""
    base = Chunk(
        id=cid, text=text, source=f"{cid}.md", section="Intro", line_start=1, line_end=5,
        tokens=len(text.split()), doc_type="manual", lang="en", content_hash=f"hash-{cid}",
    )  # fmt: skip
    return replace(base, **fields)  # type: ignore[arg-type]


def dot(a: list[float], b: list[float]) -> float:
    """Cosine similarity of two normalised vectors."""
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_hash_embedder_is_deterministic_normalised_and_similarity_preserving() -> None:
    emb = HashEmbedder()
    a, b, c = emb.embed(["wire feed motor jams", "the wire feed motor jams often", "coolant pump pressure"])
    assert emb.dim == 256 and len(a) == 256
    assert a == HashEmbedder().embed(["wire feed motor jams"])[0]
    assert math.isclose(dot(a, a), 1.0)
    assert dot(a, b) > 0.7 > 0.3 > dot(a, c)


def test_hash_embedder_gives_empty_text_a_unit_vector() -> None:
    (vec,) = HashEmbedder().embed([""])
    assert math.isclose(dot(vec, vec), 1.0)


def test_metadata_round_trip_keeps_every_field_and_is_scalar() -> None:
    original = chunk(
        "c1", "Check the drive rolls.", source="mch-003/welding.en.md", section="Faults > E-21",
        line_start=40, line_end=58, doc_type="troubleshooting", lang="en",
        machines=("MCH-003", "Welding Robot C1"), roles=("TECHNICIAN", "supervisor"), content_hash="abc",
    )  # fmt: skip
    meta = chunk_metadata(original)
    assert all(isinstance(v, str | int | float | bool) for v in meta.values())
    assert meta["m_MCH-003"] is True and meta["m_WELDING ROBOT C1"] is True
    assert meta["r_TECHNICIAN"] is True and meta["r_SUPERVISOR"] is True
    assert "roles_any" not in meta
    assert chunk_from_record("c1", original.text, json.loads(json.dumps(meta))) == original


def test_metadata_marks_unrestricted_chunks_as_visible_to_any_role() -> None:
    meta = chunk_metadata(chunk("c1", "text"))
    assert meta["roles_any"] is True
    assert set(meta) == {"source", "doc_type", "lang", "chunk", "roles_any"}
    assert chunk_from_record("c1", "text", meta) == chunk("c1", "text")


def test_where_clause_shapes() -> None:
    assert where_clause(None) is None
    assert where_clause(SearchFilter()) is None
    assert where_clause(SearchFilter(machine="mch-001")) == {"m_MCH-001": True}
    both = where_clause(SearchFilter(lang="id", role="operator"))
    assert both == {"$and": [{"lang": "id"}, {"$or": [{"roles_any": True}, {"r_OPERATOR": True}]}]}


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (SearchFilter(), True),
        (SearchFilter(machine="mch-003"), True),
        (SearchFilter(machine="MCH-001"), False),
        (SearchFilter(doc_type="safety"), False),
        (SearchFilter(lang="id"), False),
        (SearchFilter(role="technician"), True),
        (SearchFilter(role="OPERATOR"), False),
        (SearchFilter(machine="MCH-003", lang="en", doc_type="manual", role="TECHNICIAN"), True),
    ],
)
def test_visible_applies_every_filter(flt: SearchFilter, expected: bool) -> None:
    restricted = chunk("c1", "text", machines=("MCH-003",), roles=("TECHNICIAN",))
    assert visible(restricted, flt) is expected


def test_unrestricted_chunk_is_visible_to_every_role() -> None:
    assert visible(chunk("c1", "text"), SearchFilter(role="OPERATOR"))


def store_with(*chunks: Chunk) -> MemoryVectorStore:
    """A fake store holding the given chunks."""
    store = MemoryVectorStore()
    store.upsert(list(chunks))
    return store


def test_memory_store_ranks_by_similarity() -> None:
    store = store_with(chunk("a", "wire feed motor stalls"), chunk("b", "coolant pump pressure low"))
    hits = store.query("wire feed stalls", k=2)
    assert [c.id for c, _ in hits] == ["a", "b"]
    assert hits[0][1] > hits[1][1]


def test_memory_store_filters_before_ranking() -> None:
    near = [chunk(f"n{i}", "wire feed motor stalls", machines=("MCH-003",)) for i in range(5)]
    store = store_with(*near, chunk("far", "coolant pump", machines=("MCH-001",)))
    hits = store.query("wire feed motor stalls", k=1, flt=SearchFilter(machine="MCH-001"))
    assert [c.id for c, _ in hits] == ["far"]


def test_memory_store_role_restriction() -> None:
    store = store_with(
        chunk("open", "lockout procedure"), chunk("tech", "lockout procedure", roles=("TECHNICIAN",))
    )
    assert {c.id for c, _ in store.query("lockout", 5, SearchFilter(role="OPERATOR"))} == {"open"}
    assert {c.id for c, _ in store.query("lockout", 5, SearchFilter(role="TECHNICIAN"))} == {"open", "tech"}
    assert {c.id for c in store.all_chunks(SearchFilter(role="OPERATOR"))} == {"open"}


def test_memory_store_upsert_replaces_delete_source_and_sources() -> None:
    a1, a2 = (chunk(i, i, source="a.md", content_hash="ha") for i in ("a1", "a2"))
    store = store_with(a1, a2, chunk("b", "x"))
    store.upsert([chunk("b", "new text", content_hash="h2")])
    assert store.count() == 3
    assert store.sources() == {"a.md": "ha", "b.md": "h2"}
    assert store.delete_source("a.md") == 2
    assert store.delete_source("a.md") == 0
    assert [c.text for c in store.all_chunks()] == ["new text"]


def test_memory_store_uses_given_vectors_and_checks_them() -> None:
    emb = HashEmbedder()
    store = MemoryVectorStore(emb)
    store.upsert([chunk("a", "text")], vectors=[[1.0] + [0.0] * 255])
    assert emb.calls == 0
    assert store.query([1.0] + [0.0] * 255, 1)[0][1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="vectors"):
        store.upsert([chunk("b", "text")], vectors=[])
    with pytest.raises(ValueError, match="duplicate"):
        store.upsert([chunk("c", "x"), chunk("c", "y")])
    assert store.query("text", 0) == []


def test_chroma_embedding_function_wraps_an_embedder() -> None:
    ef = ChromaEmbeddingFunction(HashEmbedder())
    vectors = ef(["wire feed", "coolant"])
    assert len(vectors) == 2 and len(vectors[0]) == 256
    assert ef.name() == "sentient-embedder" and ef.default_space() == "cosine"
    assert ef.get_config() == {"model_id": "hash-bow-256", "dim": 256}
    assert not ef.is_legacy()


def test_chroma_embedding_function_rebuilt_from_config_refuses_to_embed() -> None:
    rebuilt = ChromaEmbeddingFunction.build_from_config({"model_id": "m@1", "dim": 384})
    assert rebuilt.get_config() == {"model_id": "m@1", "dim": 384}
    with pytest.raises(RuntimeError, match="ChromaStore"):
        rebuilt(["text"])


def test_embedder_model_id_falls_back_to_class_and_dim() -> None:
    class Plain:
        dim = 8

        def embed(self, texts: list[str]) -> list[list[float]]:
            return [[0.0] * 8 for _ in texts]

    assert embedder_model_id(Plain()) == "Plain/8"
    assert embedder_model_id(HashEmbedder()) == "hash-bow-256"


def test_model_fingerprint_changes_with_the_config(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"hidden_size": 384}')
    first = model_fingerprint(tmp_path)
    assert model_fingerprint(tmp_path) == first
    (tmp_path / "config.json").write_text('{"hidden_size": 768}')
    assert model_fingerprint(tmp_path) != first


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://chroma:8000", ("chroma", 8000, False)),
        ("https://vectors.example.com", ("vectors.example.com", 443, True)),
        ("localhost:9000", ("localhost", 9000, False)),
        ("http://10.0.0.5", ("10.0.0.5", 8000, False)),
    ],
)
def test_parse_chroma_url(url: str, expected: tuple[str, int, bool]) -> None:
    assert parse_chroma_url(url) == expected


def test_parse_chroma_url_rejects_other_schemes() -> None:
    with pytest.raises(ValueError, match="CHROMA_URL"):
        parse_chroma_url("ftp://chroma")
