"""Questions about what did *not* happen ("siapa customer yang belum order", "orders not yet shipped"):
the catalog sums what happened, so such a condition is said back, never dropped (dropping it answers the
opposite question: the customers who did order)."""

from __future__ import annotations

from functools import lru_cache

from agent.intents import INTENT_WORDS, MANUAL_WORDS
from agent.understand.clarify import RANK_CHOICES
from agent.understand.context import Context, metric_label
from agent.understand.normalize import tokens_of
from agent.understand.parse import Meaning
from agent.understand.words import FUNCTION_WORDS
from semantic.catalog import CATALOG

NEGATIONS = frozenset(
    {
        "belum",
        "tidak",
        "tak",
        "bukan",
        "tanpa",
        "not",
        "never",
        "without",
        "haven",
        "hasn",
        "didn",
        "don",
        "doesn",
    }
)


@lru_cache(maxsize=1)
def _known_negated() -> tuple[tuple[str, ...], ...]:
    """Phrases with a negation that name something we answer ("belum dibayar", "not yet approved")."""
    phrases = [*MANUAL_WORDS, *(p for words in INTENT_WORDS.values() for p in words)]
    for metric in CATALOG.metrics.values():
        phrases += metric.words.synonyms
    for attr in CATALOG.attributes.values():
        phrases += attr.words.synonyms
    return tuple(t for t in {tuple(tokens_of(p)) for p in phrases} if set(t) & NEGATIONS)


def negated(m: Meaning) -> str | None:
    """The condition a message negates ("belum order"), when no phrase we answer covers it."""
    tokens = m.norm.tokens
    covered = {i for s, e, _senses in m.senses for i in range(s, e)}
    for phrase in _known_negated():
        for i in range(len(tokens) - len(phrase) + 1):
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                covered |= set(range(i, i + len(phrase)))
    for i, token in enumerate(tokens[:-1]):
        if token not in NEGATIONS or i in covered:
            continue
        after = [t for t in tokens[i + 1 : i + 3] if t not in ("t", "yet", "pernah")]
        if after and after[0] not in FUNCTION_WORDS and after[0].isalpha():
            return " ".join(tokens[i : tokens.index(after[0], i) + 1])
    return None


def cannot_filter(m: Meaning, ctx: Context, phrase: str, metrics: list[str], dims: list[str]) -> str:
    """Says what was understood and the condition that cannot be applied, with what can be asked."""
    what = ", ".join(metric_label(x, ctx) for x in metrics)
    dim = next((d for d in dims if d in RANK_CHOICES), None)
    if not what and dim is not None:  # "siapa customer yang belum order": offer the figure per customer
        what = metric_label(RANK_CHOICES[dim][0], ctx)
    per = f" per {CATALOG.dimensions[dim].words.label(ctx.lang)}" if dim else ""
    if not what:
        return ctx.t(
            f"Saya belum bisa menyaring '{phrase}' (yang tidak/belum terjadi). Bisa dengan kata lain?",
            f"I cannot filter on '{phrase}' (something that did not happen). Could you put it another way?",
        )
    return ctx.t(
        f"Saya belum bisa menyaring '{phrase}' (yang tidak/belum terjadi), jadi saya tidak menjawab angka "
        f"lain. Yang bisa: {what}{per} — yang tidak muncul di daftar itu berarti nol.",
        f"I cannot filter on '{phrase}' (something that did not happen), so I am not giving a different "
        f"figure. I can show {what}{per}: whoever is not on that list has none.",
    )
