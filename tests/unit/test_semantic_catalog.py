"""The catalog is complete and is the one source: every entry has words, a real permission and sources that
exist; every metric compiles on both dialects; and a new entry reaches the parser and the menu by itself."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from agent.compose.base import Style
from agent.messages import capability_menu
from agent.understand import lexicon as lexicon_module
from agent.understand.context import Context
from agent.understand.decide import decide
from agent.understand.names import Names
from agent.understand.parse import Parser
from semantic import catalog as catalog_module
from semantic.catalog import CATALOG, Metric, Words
from semantic.compiler import Compiler
from semantic.query import Lookup, Query, Span
from semantic.sources import SOURCES
from warehouse.seed.access import PERMISSIONS

TODAY = date(2024, 12, 27)
MONTH = Span(start=date(2024, 12, 1), end=TODAY, label="bulan ini")


def _codes(permission: str | tuple[str, ...]) -> tuple[str, ...]:
    return (permission,) if isinstance(permission, str) else permission


@pytest.mark.parametrize("metric", list(CATALOG.metrics.values()), ids=lambda m: m.name)
def test_every_metric_is_complete(metric: Metric) -> None:
    assert metric.words.id and metric.words.en
    assert metric.hidden or metric.words.synonyms, "people need words for it"
    assert all(code in PERMISSIONS for code in _codes(metric.permission))
    assert bool(metric.exprs) != bool(metric.ratio), "an aggregate or a ratio, not both"
    assert all(name in SOURCES for name in metric.exprs)
    assert metric.sources(CATALOG.metrics), "a ratio's parts share a source"
    for dim in CATALOG.dims_of(metric.name):
        assert dim in CATALOG.dimensions


def test_every_attribute_and_dimension_is_complete() -> None:
    for attr in CATALOG.attributes.values():
        assert attr.words.synonyms and all(code in PERMISSIONS for code in _codes(attr.permission))
    for source in SOURCES.values():
        assert set(source.dims) <= set(CATALOG.dimensions)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
@pytest.mark.parametrize("metric", [m.name for m in CATALOG.visible_metrics()])
def test_every_metric_compiles_grouped_on_both_dialects(metric: str, dialect: object) -> None:
    dims = sorted(CATALOG.dims_of(metric))
    time = CATALOG.metrics[metric].time == "period"
    for dim in dims:
        query = Query(metrics=[metric], group_by=[dim], period=MONTH if time else None)
        compiler = Compiler(TODAY)
        for source in CATALOG.metrics[metric].sources(CATALOG.metrics):
            base = [metric] if not CATALOG.metrics[metric].ratio else list(CATALOG.metrics[metric].ratio)
            if dim not in SOURCES[source].dims and not CATALOG.dimensions[dim].time_grain:
                continue
            if CATALOG.dimensions[dim].time_grain and SOURCES[source].time is None:
                continue
            stmt, _ = compiler.statement(source, base, query, query.period, dialect.name)  # type: ignore[attr-defined]
            sql = str(stmt.compile(dialect=dialect))  # type: ignore[arg-type]
            assert "GROUP BY" in sql


def test_queries_are_validated_against_the_catalog() -> None:
    with pytest.raises(ValueError, match="unknown metric"):
        Query(metrics=["salaries"])
    with pytest.raises(ValueError, match="cannot be split"):
        Query(metrics=["sales"], group_by=["machine"])
    with pytest.raises(ValueError, match="unknown metric"):
        Query(metrics=["ideal_output"])  # a building block, never offered
    with pytest.raises(ValueError):
        Query(metrics=["sales"], filters={"customer": ["x'; DROP TABLE t_so; --"]})
    with pytest.raises(ValueError, match="no attribute"):
        Lookup(entity="customer", codes=["CUST-001"], attributes=["capacity"])


def test_a_new_catalog_entry_reaches_the_parser_and_the_menu(monkeypatch: pytest.MonkeyPatch) -> None:
    """One entry in the catalog and nothing else: the parser reads its words, the menu lists it."""
    base = CATALOG.metrics["sales"]
    entry = Metric(
        "discount_given",
        Words("diskon diberikan", "discount given", ("diskon", "discount", "potongan harga")),
        "money",
        "SO.READ",
        "period",
        dict(base.exprs),
    )
    monkeypatch.setitem(catalog_module.METRICS, entry.name, entry)
    lexicon_module.lexicon.cache_clear()
    try:
        names = Names({"customer": [("PT Maju Jaya", "CUST-003")]})
        meaning = Parser(names).parse("berapa diskon bulan ini", TODAY, "id")
        plan = decide(meaning, Context("id", TODAY, None, names, lambda _p: True))
        assert plan is not None and plan.args["metrics"] == ["discount_given"]
        menu = capability_menu(["metric:discount_given"], Style("id", "manager"))
        assert "diskon diberikan" in menu
    finally:
        lexicon_module.lexicon.cache_clear()


def test_metric_tools_words_live_in_the_catalog_only() -> None:
    """The rich tools' figure words come from the catalog; their own lists add only words no metric has
    (a phrase written in both places would drift apart)."""
    from agent.intents import INTENT_WORDS, METRIC_TOOLS

    for tool, (metrics, own) in METRIC_TOOLS.items():
        catalog = {
            p.lower()
            for m in metrics
            for p in (
                CATALOG.metrics[m].words.id,
                CATALOG.metrics[m].words.en,
                *CATALOG.metrics[m].words.synonyms,
            )
        }
        assert not set(own) & catalog, tool
        assert catalog <= set(INTENT_WORDS[tool]) and set(INTENT_WORDS[tool]) == catalog | set(own)
