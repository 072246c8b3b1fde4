"""Names of things in a question, from the database: customers, items, vendors, machines, warehouses.

Every alias is derived from the master data, none is written by hand: the full name, the name without its
legal form (PT, CV...), the name without a model suffix ("Motor DC"), and for items and machines each word
that belongs to that one name only ("injection" -> Injection Molding B2). Indonesian words reach the
English machine names through the retrieval glossary ("las" -> welding). A misspelt name is matched
fuzzily and reported as a correction; two names equally close are reported as ambiguous, never picked.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent.understand.lexicon import lexicon
from agent.understand.words import FUNCTION_WORDS
from retrieval.glossary import default_glossary
from semantic.catalog import ENTITY_TABLES

_LEGAL = re.compile(r"^(pt|cv|ud|tbk|pd)\.?\s+")
_WORD = re.compile(r"[a-z0-9]+")
FUZZY_CUTOFF = 0.84
# Kinds people call by one word of the name ("welding", "widget"); customers and vendors need two.
SHORT_KINDS = ("item", "machine")


@dataclass(frozen=True)
class NameHit:
    """A name found in the question: its kind and code, the words matched, and whether it was exact."""

    kind: str
    code: str
    name: str
    matched: str
    exact: bool
    start: int = 0  # token span in the question's words
    end: int = 0


def words(text: str) -> list[str]:
    """Lower-case alphanumeric words."""
    return _WORD.findall(text.lower())


class Names:
    """Alias (tuple of words) -> the entities it names; built once from the master data."""

    def __init__(
        self, entries: dict[str, list[tuple[str, str]]], common: frozenset[str] | None = None
    ) -> None:
        """`common`: words that are never a name on their own (default: the lexicon's and function words)."""
        if common is None:
            common = frozenset(lexicon().vocabulary() | FUNCTION_WORDS)
        self.entities = {(k, c): n for k, pairs in entries.items() for n, c in pairs}
        self.aliases: dict[tuple[str, ...], set[tuple[str, str]]] = defaultdict(set)
        counts: dict[str, set[tuple[str, str]]] = defaultdict(set)
        acronyms: set[str] = set()  # "CNC": short, but a name people use on its own
        # (legal form, first word) -> owners: "PT Global" names two companies, and is asked about
        first_words: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
        for kind, pairs in entries.items():
            for name, code in pairs:
                full = tuple(words(name))
                for alias in {full, tuple(words(_LEGAL.sub("", name.lower())))}:
                    if alias:
                        self.aliases[alias].add((kind, code))
                suffix = any(ch.isdigit() for ch in full[-1]) or len(full[-1]) == 1
                if kind in SHORT_KINDS and len(full) >= 3 and suffix:  # "Motor DC 12V" -> "motor dc"
                    self.aliases[full[:-1]].add((kind, code))
                for word in set(full):
                    counts[word].add((kind, code))
                bare = tuple(words(_LEGAL.sub("", name.lower())))
                if (
                    kind not in SHORT_KINDS and len(bare) >= 2 and bare != full
                ):  # "PT ABC" for PT ABC Manufacturing
                    first_words[(full[0], bare[0])].add((kind, code))
                acronyms |= {w.lower() for w in re.findall(r"[A-Z]{3,}", name)}
        for word, owners in counts.items():
            (kind, code), *rest = owners
            long_enough = len(word) >= 4 or word in acronyms
            if not rest and kind in SHORT_KINDS and long_enough and word.isalpha():
                self.aliases[(word,)].add((kind, code))
            model = any(c.isdigit() for c in word) and any(c.isalpha() for c in word) and len(word) >= 2
            if not rest and kind in SHORT_KINDS and model and word not in common:
                self.aliases[(word,)].add((kind, code))  # "mesin B2", "the X1": a model suffix, unique
        for alias, owners in first_words.items():
            if alias not in self.aliases:
                self.aliases[alias] |= owners
        for word, owners in counts.items():
            # "Jaya", "Global": one word of a company's name, shared or not; shared means asked which
            companies = {o for o in owners if o[0] not in SHORT_KINDS}
            if (
                companies
                and len(word) >= 4
                and word.isalpha()
                and word not in common
                and (word,) not in self.aliases
            ):
                self.aliases[(word,)] |= companies
        self.longest = max((len(a) for a in self.aliases), default=1)
        self.glossary = default_glossary()
        # the glossary's English terms, whole ("oil", "tool life"): what an English manual question names
        self.english_terms = frozenset(
            v.lower() for variants in self.glossary.entries.values() for v in variants if len(v) > 2
        )

    @classmethod
    def load(cls, session: Session) -> Names:
        """Read the live master data once."""
        entries: dict[str, list[tuple[str, str]]] = {}
        for kind, model in ENTITY_TABLES.items():
            rows = session.execute(select(model.name, model.code).where(model.deleted_at.is_(None))).all()
            entries[kind] = [(str(n), str(c)) for n, c in rows]
        return cls(entries)

    def name_of(self, kind: str, code: str) -> str:
        """The display name of an entity ('' if unknown)."""
        return self.entities.get((kind, code), "")

    def codes(self, kind: str) -> list[tuple[str, str]]:
        """(code, name) of every entity of a kind, by code."""
        return sorted((c, n) for (k, c), n in self.entities.items() if k == kind)

    def find(
        self, tokens: list[str], known: frozenset[str] = frozenset()
    ) -> tuple[list[NameHit], list[list[NameHit]]]:
        """Names in the question's words: (hits, ambiguous groups), exact matches first, then fuzzy
        (never on `known` words: "holding" is not a misspelt "molding" when it is a word we know)."""
        hits: list[NameHit] = []
        ambiguous: list[list[NameHit]] = []
        used = [False] * len(tokens)
        i = 0
        while i < len(tokens):
            for n in range(min(self.longest, len(tokens) - i), 0, -1):
                alias = tuple(tokens[i : i + n])
                owners = self.aliases.get(alias)
                if not owners:
                    continue
                found = [self._hit(k, c, alias, True, i, i + n) for k, c in sorted(owners)]
                if len(found) > 1 and (longer := self._settled(tokens, i, n, owners)) is not None:
                    found, n = [longer], longer.end - i  # "PT Global Tek": the next word settles it
                if len(found) == 1:
                    hits.extend(found)
                else:
                    ambiguous.append(found)
                for j in range(i, i + n):
                    used[j] = True
                i += n - 1
                break
            i += 1
        self._translated(tokens, used, hits)
        self._fuzzy(tokens, [u or t in known for u, t in zip(used, tokens, strict=True)], hits, ambiguous)
        return hits, ambiguous

    def _settled(self, tokens: list[str], i: int, n: int, owners: set[tuple[str, str]]) -> NameHit | None:
        """An ambiguous short alias with the next word close to exactly one owner's full name."""
        if i + n >= len(tokens):
            return None
        window = " ".join(tokens[i : i + n + 1])
        close = [
            (k, c)
            for k, c in owners
            if _ratio(window, " ".join(words(self.entities[(k, c)]))) >= FUZZY_CUTOFF
        ]
        if len(close) != 1:
            return None
        kind, code = close[0]
        return self._hit(kind, code, tuple(tokens[i : i + n + 1]), False, i, i + n + 1)

    def _hit(
        self, kind: str, code: str, alias: tuple[str, ...], exact: bool, start: int, end: int
    ) -> NameHit:
        return NameHit(kind, code, self.entities[(kind, code)], " ".join(alias), exact, start, end)

    def _translated(self, tokens: list[str], used: list[bool], hits: list[NameHit]) -> None:
        """Indonesian machine words through the glossary: 'mesin las' names the welding robot."""
        for i, token in enumerate(tokens):
            if used[i] or len(token) < 3:
                continue
            for key in self.glossary.terms_in(token):
                for english in self.glossary.entries[key]:
                    owners = self.aliases.get(tuple(words(english)))
                    if owners and len(owners) == 1:
                        kind, code = next(iter(owners))
                        if kind == "machine" and not any(h.kind == kind for h in hits):
                            hits.append(self._hit(kind, code, (token,), True, i, i + 1))
                            used[i] = True

    def _fuzzy(
        self, tokens: list[str], used: list[bool], hits: list[NameHit], ambiguous: list[list[NameHit]]
    ) -> None:
        """Misspelt names: windows of free words close to a multi-word alias (or a long one-word alias)."""
        multi = [a for a in self.aliases if len(a) >= 2 or len(a[0]) >= 6]
        for n in (3, 2, 1):
            for i in range(len(tokens) - n + 1):
                if any(used[i : i + n]) or not all(t.isalnum() for t in tokens[i : i + n]):
                    continue
                window = " ".join(tokens[i : i + n])
                if len(window) < 5:
                    continue
                same = [a for a in multi if len(a) == n]
                scored = sorted(((_ratio(window, " ".join(a)), a) for a in same), reverse=True)
                best = [(s, a) for s, a in scored if s >= FUZZY_CUTOFF]
                if not best:
                    continue
                top = [a for s, a in best if best[0][0] - s < 0.03]
                owners = sorted({o for a in top for o in self.aliases[a]})
                found = [self._hit(k, c, tuple(tokens[i : i + n]), False, i, i + n) for k, c in owners]
                if len(found) == 1:
                    hits.append(found[0])
                else:
                    ambiguous.append(found)
                for j in range(i, i + n):
                    used[j] = True


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()
