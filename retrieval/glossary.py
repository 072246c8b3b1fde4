"""Cross-lingual query expansion: English equivalents of the Indonesian domain terms in a question.

Operators ask in Indonesian about manuals that are mostly English. A bilingual glossary (shipped as
glossary_id_en.tsv) maps Indonesian terms to English ones; the English terms are appended to the query so
both BM25 and the (English) embedding model see the manual's vocabulary. Multi-word terms are matched
before single words, and Indonesian inflection is tolerated by stripping common affixes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_SUFFIXES = ("nya", "lah", "kah", "pun", "kan", "an", "i")
# prefix -> what it may have replaced at the start of the root (meN-/peN- drop a root's first p, t, k, s)
_PREFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("menge", ("",)),
    ("penge", ("",)),
    ("meng", ("", "k")),
    ("peng", ("", "k")),
    ("meny", ("s",)),
    ("peny", ("s",)),
    ("mem", ("", "p")),
    ("pem", ("", "p")),
    ("men", ("", "t")),
    ("pen", ("", "t")),
    ("memper", ("",)),
    ("diper", ("",)),
    ("ber", ("",)),
    ("ter", ("",)),
    ("per", ("",)),
    ("me", ("",)),
    ("pe", ("",)),
    ("be", ("",)),
    ("di", ("",)),
    ("ke", ("",)),
    ("se", ("",)),
)
_MIN_ROOT = 3


class Glossary:
    """Indonesian term (as a tuple of words) -> English equivalents."""

    def __init__(self, entries: dict[tuple[str, ...], tuple[str, ...]]) -> None:
        self.entries = entries
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for key in entries:
            self._by_first.setdefault(key[0], []).append(key)

    @classmethod
    def parse(cls, text: str) -> Glossary:
        """Read the TSV format: `indonesian<TAB>english|english...`, '#' comments."""
        entries: dict[tuple[str, ...], tuple[str, ...]] = {}
        for line in text.splitlines():
            if not line.strip() or line.startswith("#") or "\t" not in line:
                continue
            term, english = line.split("\t", 1)
            key = tuple(_WORD.findall(term.lower()))
            variants = tuple(v.strip() for v in english.split("|") if v.strip())
            if key and variants:
                entries[key] = tuple(dict.fromkeys(entries.get(key, ()) + variants))
        return cls(entries)

    def __len__(self) -> int:
        return len(self.entries)

    def english_terms(self, query: str) -> list[str]:
        """English equivalents of the glossary terms found in the query, in query order, no repeats."""
        found = [english for key in self.terms_in(query) for english in self.entries[key]]
        return list(dict.fromkeys(found))

    def terms_in(self, query: str) -> list[tuple[str, ...]]:
        """The glossary terms found in the query, longest match first at each position, in query order."""
        forms = [word_forms(w) for w in _WORD.findall(query.lower())]
        found: list[tuple[str, ...]] = []
        i = 0
        while i < len(forms):
            key = self._longest_match(forms, i)
            if key is None:
                i += 1
                continue
            found.append(key)
            i += len(key)
        return found

    def indonesian_evidence(self, query: str) -> int:
        """How many glossary terms in the query are Indonesian-only (not spelled like their English)."""
        return sum(" ".join(key) not in self.entries[key] for key in self.terms_in(query))

    def _longest_match(self, forms: list[tuple[str, ...]], i: int) -> tuple[str, ...] | None:
        """The longest term starting at word i; among equally long ones, the least-stripped reading."""
        best: tuple[str, ...] | None = None
        for first in forms[i]:
            for key in self._by_first.get(first, ()):
                n = len(key)
                if i + n > len(forms) or (best is not None and n <= len(best)):
                    continue
                if all(key[j] in forms[i + j] for j in range(1, n)):
                    best = key
        return best


def word_forms(word: str) -> tuple[str, ...]:
    """The word and its plausible roots after stripping Indonesian affixes, least stripped first."""
    forms = [word]
    halves = word.split("-")
    if len(halves) == 2 and halves[0] == halves[1]:  # reduplicated plural: "sakelar-sakelar"
        forms.append(halves[0])
    for base in _strip_suffixes(word):
        for form in (base, *_strip_prefixes(base)):
            if form not in forms:
                forms.append(form)
    return tuple(forms)


def _strip_suffixes(word: str) -> list[str]:
    out = [word]
    for _ in range(2):  # a particle/possessive then a derivational suffix: "memastikannya"
        for w in list(out):
            for suffix in _SUFFIXES:
                if w.endswith(suffix) and len(w) - len(suffix) >= _MIN_ROOT and w[: -len(suffix)] not in out:
                    out.append(w[: -len(suffix)])
    return out


def _strip_prefixes(word: str) -> list[str]:
    out: list[str] = []
    for _ in range(2):  # stacked prefixes: "diper-", "ter" + "ke"
        for w in [word, *out]:
            for prefix, restores in _PREFIXES:
                rest = w[len(prefix) :]
                if not w.startswith(prefix) or len(rest) < _MIN_ROOT:
                    continue
                for r in restores:
                    root = r + rest
                    if root not in out and root != word:
                        out.append(root)
    return out


@lru_cache(maxsize=1)
def default_glossary() -> Glossary:
    """The glossary shipped with the package."""
    text = resources.files("retrieval").joinpath("glossary_id_en.tsv").read_text(encoding="utf-8")
    return Glossary.parse(text)


def expand_query(query: str, lang: str, glossary: Glossary | None = None) -> str:
    """For an Indonesian query, the query followed by the English equivalents of its domain terms."""
    if lang != "id":
        return query
    terms = (glossary or default_glossary()).english_terms(query)
    present = set(_WORD.findall(query.lower()))
    extra = [t for t in terms if t.lower() not in present]
    return f"{query} {' '.join(extra)}" if extra else query
