"""The parser's lexicon, generated: phrases of the catalog (metrics, attributes, dimensions) and of the
document views (the rich tools: dashboard, late orders, approvals...), each pointing to what it names."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from agent.intents import INTENT_WORDS, MANUAL_WORDS, QUANTITY_WORDS
from agent.understand.normalize import tokens_of
from semantic.catalog import CATALOG

# Tools whose questions are not a metric of the catalog: they keep their own words (agent/intents.py).
VIEW_TOOLS = (
    "dashboard_summary",
    "late_orders",
    "pending_approvals",
    "active_alerts",
    "wo_progress",
    "maintenance_status",
    "vendor_scores",
    "inventory_status",
    "top_customers",
    "search_manuals",
)
# Words that only qualify (a view's phrase list is broad; these are not its subject on their own).
_WEAK_VIEW = {
    "mesin",
    "machine",
    "machines",
    "vendor",
    "vendors",
    "supplier",
    "suppliers",
    "pemasok",
    "barang",
    "gudang",
    "warehouse",
    "overdue",
    "risiko",
    "pending",
    "error",
    "errors",
    "shift",
}


# Documents named by their kind ("sales order", "PO"): a view of the document tools, never the "sales"
# or "purchase" metric inside the phrase.
DOC_PHRASES = {
    "so_status": ("sales order", "sales orders", "so", "sos", "pesanan penjualan"),
    "po_status": ("purchase order", "purchase orders", "po", "pos", "pesanan pembelian"),
    "wo_progress": ("work order", "work orders", "wo", "spk"),
}
# Phrases made of our words that are about something else: never a reading of our data.
OUT_OF_SCOPE = (
    "stock price",
    "share price",
    "stock market",
    "harga saham",
    "saham",
    "harga emas",
    "gold price",
    "price of gold",
    "exchange rate",
    "kurs",
)
# Every word the views use (weak ones too): known to the speller, so it never "corrects" them.
VIEW_WORDS = frozenset(
    w
    for words in (*INTENT_WORDS.values(), MANUAL_WORDS, QUANTITY_WORDS)
    for phrase in words
    for w in tokens_of(phrase)
)


@dataclass(frozen=True)
class Sense:
    """One thing a phrase can name: ('metric'|'attr'|'dim'|'view', name)."""

    kind: str
    name: str


@dataclass(frozen=True)
class Lexicon:
    """Phrase (tuple of words) -> its senses; and every word the lexicon knows (for the speller)."""

    phrases: dict[tuple[str, ...], frozenset[Sense]]
    longest: int

    def vocabulary(self) -> set[str]:
        """Every word of every phrase, and every word the views use."""
        return {w for phrase in self.phrases for w in phrase} | VIEW_WORDS


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The lexicon of the catalog and the views (built once per process)."""
    table: dict[tuple[str, ...], set[Sense]] = defaultdict(set)

    def add(phrase: str, sense: Sense) -> None:
        words = tuple(tokens_of(phrase))
        if words:
            table[words].add(sense)

    for metric in CATALOG.visible_metrics():
        for phrase in (*metric.words.synonyms, metric.words.id, metric.words.en):
            add(phrase, Sense("metric", metric.name))
    for attr in CATALOG.attributes.values():
        for phrase in (*attr.words.synonyms, attr.words.id, attr.words.en):
            add(phrase, Sense("attr", attr.name))
    for dim in CATALOG.dimensions.values():
        for phrase in (*dim.words.synonyms, *(p for words in dim.members.values() for p in words)):
            add(phrase, Sense("dim", dim.name))
    for tool in VIEW_TOOLS:
        words = MANUAL_WORDS if tool == "search_manuals" else INTENT_WORDS.get(tool, ())
        for phrase in words:
            if phrase not in _WEAK_VIEW:
                add(phrase, Sense("view", tool))
    for phrase in OUT_OF_SCOPE:
        add(phrase, Sense("oos", phrase))
    for doc_tool, phrases in DOC_PHRASES.items():
        for phrase in phrases:
            add(phrase, Sense("view", doc_tool))
    index = {k: frozenset(v) for k, v in table.items()}
    return Lexicon(index, max(len(k) for k in index))
