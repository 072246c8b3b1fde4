"""The question parser: words -> what was asked (metrics, attributes, views, names, periods, ranking,
comparison, grouping), what was inferred, and what was left unused. It decides nothing about tools."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from agent.periods import MONTHS, find_periods
from agent.understand.lexicon import VIEW_WORDS, Sense, lexicon
from agent.understand.modifiers import (
    ASC_WORDS,
    BEST_WORDS,
    COMPARE_WORDS,
    DESC_WORDS,
    DUE_WORDS,
    GROUP_WORDS,
    MODIFIERS,
    OPENERS,
    OWE_US,
    PERFORMANCE_WORDS,
    TREND_WORDS,
    WE_OWE,
    WORST_WORDS,
)
from agent.understand.names import NameHit, Names
from agent.understand.normalize import Normalized, Speller, normalize
from agent.understand.words import FUNCTION_WORDS
from tools.common import Period

_DOC = re.compile(r"^(so|po|do|wo)-?\d{6}-?\d{4,6}$")
_CODE = re.compile(r"^(cust|itm|mch|vnd|wh|emp)-[a-z]?\d{1,6}$")
_ERROR = re.compile(r"^[a-z]{1,2}-\d{3}$")
_NUMBER = re.compile(r"^\d{1,3}$")


# "TOP" in capitals, not followed by a number ("top 5"): the Indonesian abbreviation of terms of payment.
_TERMS_OF_PAYMENT = re.compile(r"\bTOP\b(?!\s*\d)")


@dataclass
class Meaning:
    """What a message says, before any tool is chosen."""

    text: str
    norm: Normalized
    senses: list[tuple[int, int, frozenset[Sense]]] = field(default_factory=list)  # token spans
    names: list[NameHit] = field(default_factory=list)
    ambiguous_names: list[list[NameHit]] = field(default_factory=list)
    codes: dict[str, list[str]] = field(default_factory=dict)  # kind -> codes named by code
    doc: str | None = None
    error_code: str | None = None
    periods: list[tuple[int, Period]] = field(default_factory=list)  # (token index, period)
    order: str | None = None  # "desc" | "asc" | "best" | "worst"
    limit: int | None = None
    compare: bool = False
    compare_at: int | None = None  # token index of the comparison word
    group_words: list[int] = field(default_factory=list)  # token indices of "per"/"by"...
    trend: bool = False
    due: bool = False  # "jatuh tempo", "due", "ke depan": a horizon of payments falling due
    performance: bool = False  # "kinerja", "performance": how a named thing is doing
    direction: str | None = None  # "owed_to_us" | "we_owe"
    follow_up: bool = False
    leftovers: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[str]:
        """Names of one sense kind in text order, each once (a phrase with several senses adds each)."""
        out: list[str] = []
        for _s, _e, senses in self.senses:
            for sense in sorted(senses, key=lambda s: s.name):
                if sense.kind == kind and sense.name not in out:
                    out.append(sense.name)
        return out

    def entity_codes(self, kind: str) -> list[str]:
        """Codes of one entity kind, named by code or by name, in text order."""
        codes = list(self.codes.get(kind, []))
        codes += [h.code for h in self.names if h.kind == kind and h.code not in codes]
        return codes

    def entity_kinds(self) -> set[str]:
        """Entity kinds the message names."""
        return {k for k, v in self.codes.items() if v} | {h.kind for h in self.names}

    def dims(self) -> list[str]:
        """Dimensions the message's phrases name ("per pelanggan", "mesin"), in text order."""
        return [x.name for _s, _e, senses in self.senses for x in senses if x.kind == "dim"]


class Parser:
    """Parses messages with the lexicon and the database's names (reloaded by the agent)."""

    def __init__(self, names: Names) -> None:
        self.names = names
        lex = lexicon()
        self.name_words = frozenset(w for alias in names.aliases for w in alias)
        modifiers = {w for group in MODIFIERS for phrase in group for w in phrase.split()}
        self.known = frozenset(lex.vocabulary() | FUNCTION_WORDS | _period_words() | modifiers)
        self.speller = Speller(self.known | self.name_words)

    def parse(self, text: str, today: date, lang: str) -> Meaning:
        """The meaning of one message."""
        norm = normalize(text, self.speller, protected=self.name_words)
        tokens = norm.tokens
        m = Meaning(text, norm)
        used = [False] * len(tokens)
        self._codes(m, tokens, used)
        self._periods(m, tokens, used, today, lang)
        hits, ambiguous = self.names.find(tokens, self.known)
        for hit in hits:
            m.names.append(hit)
            for j in range(hit.start, hit.end):
                used[j] = True
        m.ambiguous_names = ambiguous
        for group in ambiguous:
            for j in range(group[0].start, group[0].end):
                used[j] = True
        if _TERMS_OF_PAYMENT.search(text) or self._top_as_terms(m, tokens):  # "TOP Maju Jaya": terms
            at = next((i for i, t in enumerate(tokens) if t == "top" and not used[i]), None)
            if at is not None:
                terms = frozenset({Sense("attr", "payment_terms"), Sense("attr", "vendor_terms")})
                m.senses.append((at, at + 1, terms))
                used[at] = True
        self._group_phrases(m, tokens, used)
        self._phrases(m, tokens, used)
        self._modifiers(m, tokens, used)
        # a piece of a name that resolved to nothing ("B2" shared by two machines) is said, never dropped
        m.leftovers = [
            t
            for t, u in zip(tokens, used, strict=True)
            if not u
            and (_content(t, self.known) or (t in self.name_words and not t.isdigit() and len(t) > 1))
        ]
        return m

    @staticmethod
    def _group_phrases(m: Meaning, tokens: list[str], used: list[bool]) -> None:
        """Multi-word ways to say "by" ("broken down by", "masing masing"), read before the lexicon so
        their words never name a figure ("down" is downtime on its own)."""
        known = lexicon().phrases
        for phrase in (p.split() for p in GROUP_WORDS if " " in p):
            for i in range(len(tokens) - len(phrase) + 1):
                longer = any(tuple(tokens[i : i + n]) in known for n in (len(phrase) + 1, len(phrase) + 2))
                if (
                    tokens[i : i + len(phrase)] == phrase
                    and not any(used[i : i + len(phrase)])
                    and not longer
                ):
                    used[i : i + len(phrase)] = [True] * len(phrase)
                    m.group_words.append(i)

    def _top_as_terms(self, m: Meaning, tokens: list[str]) -> bool:
        """'limit & top' for a named company: 'top' is terms of payment when no number, figure or kind of
        thing follows it (then it would be a ranking: 'top 5', 'top customers')."""
        if not any(h.kind in ("customer", "vendor") for h in m.names):
            return False
        lex = lexicon()
        days = bool({"hari", "days", "day"} & set(tokens))  # "TOP PT Global Tech berapa hari": terms
        for i, token in enumerate(tokens):
            if token != "top":
                continue
            after = tokens[i + 1] if i + 1 < len(tokens) else ""
            if not after.isdigit() and (days or not lex.phrases.get((after,))):
                return True
        return False

    def _codes(self, m: Meaning, tokens: list[str], used: list[bool]) -> None:
        kinds = {"cust": "customer", "itm": "item", "mch": "machine", "vnd": "vendor", "wh": "warehouse"}
        for i, token in enumerate(tokens):
            if _DOC.match(token):
                m.doc, used[i] = token.upper(), True
            elif _CODE.match(token):
                prefix = token.split("-")[0]
                if prefix in kinds:
                    m.codes.setdefault(kinds[prefix], []).append(token.upper())
                used[i] = True
            elif _ERROR.match(token):
                m.error_code, used[i] = token.upper(), True

    def _periods(self, m: Meaning, tokens: list[str], used: list[bool], today: date, lang: str) -> None:
        text = " ".join(tokens)
        starts = _offsets(tokens)
        for start, end, period in find_periods(text, today, lang):
            first = next(i for i, s in enumerate(starts) if s + len(tokens[i]) > start)
            m.periods.append((first, period))
            for i, s in enumerate(starts):
                if s < end and start < s + len(tokens[i]):
                    used[i] = True

    def _phrases(self, m: Meaning, tokens: list[str], used: list[bool]) -> None:
        """Catalog and view phrases, longest first, over the words names and codes did not take (so
        "terakhir MCH-002 diservis" still reads "terakhir diservis")."""
        lex = lexicon()
        free = [i for i, u in enumerate(used) if not u]
        k = 0
        while k < len(free):
            for n in range(min(lex.longest, len(free) - k), 0, -1):
                at = free[k : k + n]
                window = [tokens[i] for i in at]
                senses = lex.phrases.get(tuple(window)) or lex.phrases.get((*window[:-1], _stem(window[-1])))
                if not senses:
                    continue
                if len(window) <= 2 and all(w in FUNCTION_WORDS for w in window):
                    # "status", "total": a subject only next to a name of its kind, never on its own
                    senses = frozenset(s for s in senses if s.kind == "attr")
                    if not senses:
                        continue
                if any(s.kind in ("metric", "attr") for s in senses):
                    senses = frozenset(s for s in senses if s.kind != "view")
                m.senses.append((at[0], at[-1] + 1, senses))
                for j in at:
                    used[j] = True
                k += n - 1
                break
            k += 1

    def _modifiers(self, m: Meaning, tokens: list[str], used: list[bool]) -> None:
        text = " " + " ".join(tokens) + " "
        starts = _offsets(tokens)

        def mark(phrases: tuple[str, ...]) -> int | None:
            first: int | None = None
            for phrase in phrases:
                for match in re.finditer(rf"(?<= ){re.escape(phrase)}(?= )", text):
                    for i, s in enumerate(starts):
                        if match.start() - 1 <= s < match.end() - 1:
                            used[i] = True
                            first = i if first is None else min(first, i)
            return first

        if mark(OWE_US) is not None:
            m.direction = "owed_to_us"
        elif mark(WE_OWE) is not None:
            m.direction = "we_owe"
        if mark(WORST_WORDS) is not None:
            m.order = "worst"
        elif mark(BEST_WORDS) is not None:
            m.order = "best"
        elif mark(ASC_WORDS) is not None:
            m.order = "asc"
        elif mark(DESC_WORDS) is not None:
            m.order = "desc"
        at = mark(COMPARE_WORDS)
        m.compare, m.compare_at = at is not None, at
        m.trend = mark(TREND_WORDS) is not None
        m.due = mark(DUE_WORDS) is not None
        m.performance = mark(PERFORMANCE_WORDS) is not None
        grouped = mark(GROUP_WORDS)  # "masing-masing", "berdasarkan", "broken down by"...
        if grouped is not None and grouped not in m.group_words:
            m.group_words.append(grouped)
        for i, token in enumerate(tokens):
            if token in ("per", "by", "tiap", "setiap", "each") and not used[i]:
                m.group_words.append(i)
                used[i] = True
            if _NUMBER.match(token) and not used[i]:
                near = tokens[max(0, i - 1) : i + 2]
                if m.order or any(w in ("top", "teratas", "besar", "terbesar", "bottom") for w in near):
                    m.limit, used[i] = max(1, min(50, int(token))), True
        first = tokens[0] if tokens else ""
        # "dan bulan lalu?", "what about PT ABC?", "gimana kalau..."; only the connective itself is used up
        asking = ("what", "how", "gimana", "bagaimana")
        m.follow_up = first in (*OPENERS, *asking) or (
            any(t.endswith("nya") for t in tokens) and not m.senses
        )
        if first in OPENERS:
            used[0] = True


def _stem(word: str) -> str:
    """An Indonesian word without its clitic (-nya, -kah, -lah): 'penjualannya' -> 'penjualan'."""
    for suffix in ("nya", "kah", "lah"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)]
    return word


def _offsets(tokens: list[str]) -> list[int]:
    out, pos = [], 0
    for token in tokens:
        out.append(pos)
        pos += len(token) + 1
    return out


# Units of a number ("30 days", "2 minggu"): read with the number by the tools, never leftover content.
UNITS = frozenset(
    "hari days day minggu weeks week bulan months month tahun years year jam hours menit".split()
)


def _content(token: str, known: frozenset[str]) -> bool:
    """Whether an unused word carries meaning we did not use (not a function word, number or mark)."""
    if token in FUNCTION_WORDS or token in UNITS:
        return False
    if not token.isalpha():  # "Z9", "x200": a model or code we could not resolve carries the question
        return any(c.isalpha() for c in token) and any(c.isdigit() for c in token)
    if len(token) < 3:
        return False
    return _stem(token) not in FUNCTION_WORDS and token not in VIEW_WORDS


def _period_words() -> set[str]:
    return set(MONTHS) | {
        "hari",
        "ini",
        "kemarin",
        "minggu",
        "pekan",
        "bulan",
        "tahun",
        "lalu",
        "today",
        "yesterday",
        "week",
        "month",
        "year",
        "last",
        "this",
        "past",
        "previous",
        "terakhir",
        "quarter",
        "kuartal",
        "triwulan",
        "days",
        "day",
        "mtd",
        "ytd",
        "date",
        "to",
    }
