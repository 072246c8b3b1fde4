"""Tokenizer, glossary expansion, BM25 with filters before ranking, RRF fusion, hybrid search and rerank."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from retrieval.fakes import MemoryVectorStore
from retrieval.glossary import Glossary, default_glossary, expand_query, word_forms
from retrieval.lexical import Bm25Index
from retrieval.rerank import CrossEncoderReranker, find_local_cross_encoder, looks_like_cross_encoder
from retrieval.search import (
    BM25,
    DENSE,
    HybridSearcher,
    best_per_section,
    mean_direction,
    query_language,
    query_sentences,
    rrf,
)
from retrieval.tokenize import Analyzer, sastrawi_stemmer, stem_en
from retrieval.types import Chunk, SearchFilter


def chunk(cid: str, text: str, **fields: object) -> Chunk:
    """A chunk with plausible defaults for the fields a test does not care about."""
    base = Chunk(
        id=cid, text=text, source=f"{cid}.adoc", section="Manual > Intro", line_start=1, line_end=5,
        tokens=len(text.split()), doc_type="manual", lang="en",
    )  # fmt: skip
    return replace(base, **fields)  # type: ignore[arg-type]


def plain() -> Analyzer:
    """An analyzer without Indonesian stemming, so tests do not depend on Sastrawi."""
    return Analyzer()


# --- tokenizer


def test_codes_and_parameter_names_are_kept_whole_and_split() -> None:
    terms = plain().tokens("Alarm E-410 when MAX_VELOCITY is high; use G41.1 and axis.z.eoffset")
    for term in ("e-410", "e", "410", "max_velocity", "max", "velocity", "g41.1", "g41", "axis.z.eoffset"):
        assert term in terms
    assert "when" not in terms and "is" not in terms and "and" not in terms  # stopwords


def test_light_stemming_joins_inflections_without_mangling_codes() -> None:
    assert {stem_en(w) for w in ("home", "homes", "homed", "homing")} == {"hom"}
    assert stem_en("switches") == stem_en("switch")
    assert stem_en("stopped") == stem_en("stop") and stem_en("running") == "run"
    assert stem_en("axes") == "axis" and stem_en("speed") == "speed" and stem_en("string") == "string"
    assert plain().tokens("M30 G33 1.000") == ["m30", "g33", "1.000", "1", "000"]


def test_indonesian_text_goes_through_the_indonesian_stemmer_then_the_english_one() -> None:
    roots = {"pengelasan": "las"}
    analyzer = Analyzer(lambda w: roots.get(w, w))
    assert analyzer.tokens("pengelasan spindles", "id") == ["las", "spindl"]
    assert analyzer.tokens("pengelasan", "en") == ["pengelasan"]  # English text is not stemmed as Indonesian
    assert analyzer.tokens("yang dan di apakah", "id") == []  # Indonesian function words are stopwords


def test_sastrawi_stems_indonesian_words_and_leaves_english_loanwords_alone() -> None:
    pytest.importorskip("Sastrawi")
    stem = sastrawi_stemmer()
    assert stem is not None
    assert stem("pengukuran") == "ukur" and stem("dipasang") == "pasang"
    assert stem("spindle") == "spindle" and stem("stepper") == "stepper"


# --- glossary


def test_indonesian_queries_get_english_terms_and_english_ones_are_untouched() -> None:
    expanded = expand_query("Sakelar batas sumbu X rusak, bagaimana perawatannya?", "id")
    assert expanded.startswith("Sakelar batas sumbu X rusak")
    for english in ("limit switch", "axis", "maintenance"):
        assert english in expanded
    assert expand_query("limit switch on the X axis", "en") == "limit switch on the X axis"


def test_multi_word_terms_win_over_single_words_and_affixes_are_tolerated() -> None:
    g = Glossary.parse(
        "sakelar\tswitch\nbatas\tlimit\nsakelar batas\tlimit switch\nkecepatan\tspeed|velocity\n"
    )
    assert g.english_terms("sakelar batas") == ["limit switch"]
    assert g.english_terms("kecepatannya terlalu tinggi") == ["speed", "velocity"]
    assert g.english_terms("sakelar-sakelar") == ["switch"]
    assert "las" in word_forms("pengelasan") and "pasang" in word_forms("dipasang")


def test_shipped_glossary_is_large_and_well_formed() -> None:
    g = default_glossary()
    assert len(g) >= 250
    assert all(variants and all(v.strip() == v and v for v in variants) for variants in g.entries.values())
    assert g.english_terms("kesalahan mengikuti")[0] == "following error"
    assert "welding" in g.english_terms("pengelasan")


# --- BM25 index


def test_bm25_ranks_matching_chunks_and_counts_section_titles() -> None:
    index = Bm25Index(plain())
    index.build(
        [
            chunk("a", "Set the maximum speed in the INI file.", section="Config > Axis Section"),
            chunk("b", "The watchdog stops all outputs when the host stops.", section="Hostmot2 > Watchdog"),
            chunk("c", "Outputs are refreshed every servo period.", section="Hostmot2 > Outputs"),
        ]
    )
    assert len(index) == 3
    assert [c.id for c, _ in index.search("watchdog", 5)] == ["b"]
    assert index.search("axis section", 5)[0][0].id == "a"  # only the heading says "axis section"
    assert index.search("nothing matches", 5) == [] and index.search("watchdog", 0) == []


def test_bm25_filters_apply_before_ranking() -> None:
    strong = [chunk(f"s{i}", "spindle spindle spindle encoder", machines=("MCH-001",)) for i in range(20)]
    weak = chunk(
        "w", "a long text that mentions the spindle once among many other words", machines=("MCH-002",)
    )
    index = Bm25Index(plain())
    index.build([*strong, weak])
    # k=1: had the filter been applied after taking the top k, nothing would be left
    assert [c.id for c, _ in index.search("spindle", 1, SearchFilter(machine="mch-002"))] == ["w"]
    assert index.search("spindle", 5, SearchFilter(machine="MCH-404")) == []


def test_bm25_role_lang_and_doc_type_filters() -> None:
    index = Bm25Index(plain())
    index.build(
        [
            chunk("open", "torch cleaning"),
            chunk("maint", "torch cleaning", roles=("maintenance",), doc_type="maintenance"),
            chunk("id", "pembersihan torch", lang="id"),
        ]
    )
    ids = lambda flt: sorted(c.id for c, _ in index.search("torch", 5, flt))  # noqa: E731
    assert ids(SearchFilter()) == ["id", "maint", "open"]
    assert ids(SearchFilter(role="operator")) == ["id", "open"]
    assert ids(SearchFilter(role="MAINTENANCE")) == ["id", "maint", "open"]
    assert ids(SearchFilter(lang="id")) == ["id"]
    assert ids(SearchFilter(doc_type="maintenance")) == ["maint"]


def test_empty_index_returns_nothing() -> None:
    index = Bm25Index(plain())
    index.build([])
    assert len(index) == 0 and index.search("anything", 5) == []


# --- fusion


def test_rrf_sums_weighted_reciprocal_ranks() -> None:
    a, b, c = chunk("a", "x"), chunk("b", "y"), chunk("c", "z")
    hits = rrf({BM25: [(a, 9.0), (b, 5.0)], DENSE: [(b, 0.9), (c, 0.5)]}, {BM25: 1.0, DENSE: 2.0}, rrf_k=60)
    assert [h.chunk.id for h in hits] == ["b", "c", "a"]
    by_id = {h.chunk.id: h for h in hits}
    assert math.isclose(by_id["b"].score, 1 / 62 + 2 / 61)
    assert math.isclose(by_id["c"].score, 2 / 62) and math.isclose(by_id["a"].score, 1 / 61)
    assert by_id["b"].ranks == {BM25: 2, DENSE: 1} and by_id["a"].ranks == {BM25: 1}


def test_best_per_section_keeps_the_first_chunk_of_each_section() -> None:
    a1, a2 = (
        chunk("a1", "x", source="m.adoc", section="S > A"),
        chunk("a2", "y", source="m.adoc", section="S > A"),
    )
    b = chunk("b", "z", source="m.adoc", section="S > B")
    assert [c.id for c, _ in best_per_section([(a1, 3.0), (a2, 2.0), (b, 1.0)])] == ["a1", "b"]


# --- hybrid searcher over the fakes


def corpus() -> list[Chunk]:
    return [
        replace(c, source="manual.adoc")
        for c in [
            chunk(
                "fe",
                "A following error happens when the axis lags the commanded position.",
                section="M > Ferror",
            ),
            chunk(
                "fe2",
                "Raise FERROR or lower MAX_VELOCITY to avoid the following error.",
                section="M > Ferror",
            ),
            chunk("lim", "The limit switch stops the axis at the end of travel.", section="M > Limits"),
            chunk("lub", "Lubricate the ways every week.", section="M > Lubrication", machines=("MCH-002",)),
            chunk(
                "safe",
                "Lock out power before opening the guard.",
                section="M > Safety",
                roles=("maintenance",),
            ),
        ]
    ]


def searcher(**kwargs: object) -> HybridSearcher:
    store = MemoryVectorStore()
    chunks = corpus()
    store.upsert(chunks)
    index = Bm25Index(plain())
    index.build(chunks)
    return HybridSearcher(store, index, **kwargs)  # type: ignore[arg-type]


def test_hybrid_returns_one_hit_per_section_with_ranks_from_both_retrievers() -> None:
    hits = searcher().search("following error on the axis", k=3)
    assert hits[0].chunk.section == "M > Ferror"
    assert len({h.chunk.section for h in hits}) == len(hits)
    assert set(hits[0].ranks) == {BM25, DENSE}
    assert hits[0].score > hits[-1].score > 0


def test_hybrid_applies_the_filter_in_both_retrievers() -> None:
    s = searcher()
    assert [h.chunk.id for h in s.search("lubricate the ways", 5, SearchFilter(machine="MCH-002"))] == ["lub"]
    assert all(
        h.chunk.id != "safe" for h in s.search("lock out power guard", 5, SearchFilter(role="operator"))
    )
    assert s.search("lock out power guard", 1, SearchFilter(role="maintenance"))[0].chunk.id == "safe"


def test_indonesian_query_is_expanded_so_english_manuals_match() -> None:
    s = searcher()
    assert s.bm25_only("kesalahan mengikuti pada sumbu", 5, lang="id") == []  # no shared word
    assert (
        s.bm25_only("kesalahan mengikuti pada sumbu", 5, lang="id", expand=True)[0].chunk.section
        == "M > Ferror"
    )
    assert s.search("kesalahan mengikuti pada sumbu", 3)[0].chunk.section == "M > Ferror"  # language detected
    assert query_language("kesalahan mengikuti pada sumbu") == "id"
    assert query_language("following error on the axis") == "en"
    assert query_language("suhu barel terlalu panas") == "id"  # no marker word, glossary terms tell
    assert query_language("spindle motor filter") == "en"  # words spelled alike in both languages


def test_baselines_report_only_their_own_rank() -> None:
    s = searcher()
    assert [set(h.ranks) for h in s.dense_only("limit switch", 2)] == [{DENSE}, {DENSE}]
    bm = s.bm25_only("limit switch", 2)
    assert bm[0].chunk.id == "lim" and bm[0].ranks == {BM25: 1}


class ReverseReranker:
    """Prefers shorter passages: enough to see the stage reorder the fused list."""

    def score(self, query: str, passages: list[str]) -> list[float]:
        return [-float(len(p)) for p in passages]


def test_rerank_reorders_the_top_of_the_fused_list() -> None:
    fused = searcher().search("axis limit following error lubricate", k=4)
    reranked = searcher(reranker=ReverseReranker(), rerank_top=4).search(
        "axis limit following error lubricate", k=4
    )
    assert {h.chunk.id for h in reranked} == {h.chunk.id for h in fused}
    lengths = [len(h.chunk.section + h.chunk.text) for h in reranked]
    assert lengths == sorted(lengths) and [h.ranks["rerank"] for h in reranked] == [1, 2, 3, 4]


def test_cross_encoder_is_found_only_in_local_folders(tmp_path: Path) -> None:
    assert find_local_cross_encoder([tmp_path / "missing"]) is None
    folder = tmp_path / "ce"
    folder.mkdir()
    (folder / "config.json").write_text('{"architectures": ["BertModel"]}')
    assert not looks_like_cross_encoder(folder)
    (folder / "config.json").write_text('{"architectures": ["BertForSequenceClassification"]}')
    assert find_local_cross_encoder([tmp_path / "missing", folder]) == folder
    with pytest.raises(FileNotFoundError):
        CrossEncoderReranker(tmp_path / "missing")


# --- the dense query of a question in several sentences


def test_a_question_in_several_sentences_is_embedded_sentence_by_sentence() -> None:
    text = "We oil the ways every week. The axis still stops early. Which limit switch is it?"
    assert query_sentences(text) == [
        "We oil the ways every week.",
        "The axis still stops early.",
        "Which limit switch is it?",
    ]
    assert query_sentences("Which limit switch stops the axis?") == ["Which limit switch stops the axis?"]
    short_first = "Hi. Which limit switch stops the axis?"  # one sentence of 3+ words: the whole text
    assert query_sentences(short_first) == [short_first]
    many = "One two three. Four five six. Seven eight nine. Ten eleven twelve."
    assert query_sentences(many) == ["Four five six.", "Seven eight nine.", "Ten eleven twelve."]


def test_the_dense_vector_is_the_mean_direction_of_the_sentences() -> None:
    s = searcher()
    embedder = s.store.embedder  # type: ignore[attr-defined]
    # A long background sentence and a short question: in one vector of the whole text the background
    # outweighs the question; as the mean of the sentences' directions each counts the same.
    text = "We lubricate the ways every week and the ways look fine. Which limit switch stops the axis?"
    expected = mean_direction(embedder.embed(query_sentences(text)))
    assert math.isclose(sum(x * x for x in expected), 1.0, rel_tol=1e-9)
    got = s.query_vector(text)
    assert all(math.isclose(a, b, abs_tol=1e-12) for a, b in zip(got, expected, strict=True))
    whole = embedder.embed([text])[0]
    assert [c.id for c, _ in s.store.query(whole, 1)] == ["lub"]
    assert [c.id for c, _ in s.store.query(got, 1)] == ["lim"]


def test_indonesian_queries_keep_one_vector_of_the_expanded_text() -> None:
    s = searcher()
    embedder = s.store.embedder  # type: ignore[attr-defined]
    before = embedder.calls
    s.search("Sumbu berhenti mendadak. Saklar batas mana yang aktif?", 3, lang="id")
    assert embedder.calls - before == 1
