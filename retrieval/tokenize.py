"""BM25 text analysis: codes and parameter names kept whole and split, stopwords out, light stemming.

Manuals are full of identifiers (E-410, MAX_VELOCITY, G41.1, axis.z.eoffset) that operators type either
whole or in pieces, so a compound token is indexed whole and as its parts. Stemming is deliberately light
(plural, -ing, -ed, final e) so codes and terms are not mangled. Indonesian words go through Sastrawi when
it is installed (dictionary-based, so English loanwords like "spindle" pass through unchanged) and then
through the same English stemmer, so an Indonesian question's loanwords meet the English manuals' words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from itertools import chain

# A word, or a compound of words joined by . _ - (codes, parameter and pin names, G-code words).
_COMPOUND = re.compile(r"[^\W_]+(?:[._\-][^\W_]+)*")
_PART = re.compile(r"[^\W_]+")
# ASCII and common typographic punctuation except the compound joiners . _ - become spaces.
_SEPARATORS = str.maketrans(
    {
        ch: " "
        for ch in "!\"#$%&'()*+,/:;<=>?@[\\]^`{|}~\u00a0\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026"
    }
)
_VOWELS = frozenset("aeiouy")
_MEMO_LIMIT = 1_000_000
# Irregular plurals that the suffix rules would otherwise split from their singular.
_IRREGULAR = {"axes": "axis", "indices": "index", "matrices": "matrix", "vertices": "vertex"}

STOPWORDS_EN = frozenset(
    "a about above after again against all am an and any are as at be because been before being below "
    "between both but by can could did do does doing down during each few for from further had has have "
    "having he her here hers him his how i if in into is it its itself just me more most my myself no nor "
    "not now of off on once only or other our ours out over own same she should so some such than that "
    "the their theirs them then there these they this those through to too under until up very was we "
    "were what when where which while who whom why will with would you your yours yourself also may might "
    "must shall us ok okay please thanks something anything someone actually really get got gets us "
    "whether else even still though yet".split()
)
# Function and chat words of Indonesian questions; none of them is an English content word.
STOPWORDS_ID = frozenset(
    "yang dan di ke dari ini itu untuk pada dengan atau juga karena kalau kalo jika apa apakah bagaimana "
    "gimana gmn kenapa mengapa kapan siapa mana dimana berapa bisa dapat akan sudah udah sdh belum blm "
    "masih harus perlu tidak nggak gak enggak ga tak bukan ya sih dong deh kok lah aja saja kami kita "
    "saya aku kamu anda mereka dia ia nya tolong mohon terus lalu tapi tetapi namun padahal agar supaya "
    "biar oleh sebagai seperti kayak gitu begitu begini tersebut adalah ialah yaitu yakni para sang si "
    "pun lagi sangat banget cuma hanya tiap setiap selalu kadang sering biasanya biasa apa-apa sama "
    "ada punya buat bikin jadi menjadi waktu saat ketika sebelum sesudah habis maka bila nih tuh".split()
)
STOPWORDS = STOPWORDS_EN | STOPWORDS_ID


def stem_en(word: str) -> str:
    """A light English suffix stripper: plurals, -ing, -ed and a final e (home/homed/homing -> hom)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    word = _strip_verb_suffix(word)
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def _strip_verb_suffix(word: str) -> str:
    for suffix in ("ing", "ed"):
        if not word.endswith(suffix) or word.endswith("eed"):
            continue
        stem = word[: -len(suffix)]
        if len(stem) < 2 or not _VOWELS.intersection(stem):
            return word  # "string", "red": the suffix is part of the root
        # stopped -> stop, running -> run; short stems (add, fill) keep their double letter
        if len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in "lsz" and stem[-1] not in _VOWELS:
            stem = stem[:-1]
        return stem
    return word


@lru_cache(maxsize=1)
def sastrawi_stemmer() -> Callable[[str], str] | None:
    """Sastrawi's Indonesian stemmer when the package is installed, else None (loaded once)."""
    try:
        from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
        from Sastrawi.Stemmer.Stemmer import Stemmer
        from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
    except ImportError:
        return None
    dictionary = ArrayDictionary()
    # Sastrawi keeps its root words in a list and tests membership with `in`: ~0.2 s per unknown word.
    # Its lookups only use `in`, so a set gives the same answers in microseconds.
    dictionary.words = set(StemmerFactory().get_words())
    stem: Callable[[str], str] = Stemmer(dictionary).stem
    return stem


def words(text: str) -> list[str]:
    """The raw lower-cased, whitespace- and punctuation-separated pieces of a text (before analysis).

    str.translate + split runs at C speed, about twice as fast as a regex over the whole text; pieces may
    still carry stray punctuation ("end.", "x--"), which the memoised analysis of each distinct piece
    removes once."""
    return text.lower().translate(_SEPARATORS).split()


class _Memo(dict[str, tuple[str, ...]]):
    """word -> terms, computed on first sight; lookups of known words stay in C (map + __getitem__)."""

    def __init__(self, compute: Callable[[str], tuple[str, ...]]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, raw: str) -> tuple[str, ...]:
        terms = self._compute(raw)
        if len(self) < _MEMO_LIMIT:  # a long-running service sees endless new words in queries
            self[raw] = terms
        return terms


class Analyzer:
    """Turns text into BM25 terms; results per distinct word are memoised, which keeps indexing fast."""

    def __init__(self, indonesian_stemmer: Callable[[str], str] | None = None) -> None:
        self._stem_id = indonesian_stemmer
        self._memo = {
            "en": _Memo(lambda w: self._analyse(w, "en")),
            "id": _Memo(lambda w: self._analyse(w, "id")),
        }

    def tokens(self, text: str, lang: str = "en") -> list[str]:
        """The terms of a text; `lang` "id" adds Indonesian stemming before the English one."""
        return list(chain.from_iterable(map(self.terms_table(lang).__getitem__, words(text))))

    def terms_table(self, lang: str) -> dict[str, tuple[str, ...]]:
        """The memo of one language: raw word (from `words`) -> its terms, filled on lookup."""
        return self._memo["id" if lang == "id" else "en"]

    def _analyse(self, raw: str, lang: str) -> tuple[str, ...]:
        terms: list[str] = []
        for compound in _COMPOUND.findall(raw):  # usually one; strips stray punctuation
            parts = _PART.findall(compound)
            if len(parts) > 1:  # a compound: whole (as written) plus each meaningful part
                terms.append(compound)
            terms.extend(self._normalise(p, lang) for p in parts if p not in STOPWORDS)
        return tuple(dict.fromkeys(terms))

    def _normalise(self, word: str, lang: str) -> str:
        if not word.isalpha():
            return word  # codes and numbers stay as written
        if lang == "id" and self._stem_id is not None:
            word = self._stem_id(word) or word
        return stem_en(word)


def default_analyzer() -> Analyzer:
    """An analyzer with Indonesian stemming when Sastrawi is available."""
    return Analyzer(sastrawi_stemmer())
