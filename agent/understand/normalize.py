"""Text as the parser reads it: lower case, WhatsApp shorthand expanded, misspelt known words corrected.

Corrections are reported (the answer says "read 'penjulan' as 'penjualan'"), never silent; only words
unknown to every vocabulary are corrected, and only to a known word that is close enough.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# WhatsApp shorthand -> the word (Indonesian chat spelling; a few English ones).
SHORTHAND: dict[str, str] = {
    "brp": "berapa",
    "avg": "average",
    "msk": "masuk",
    "klr": "keluar",
    "byr": "bayar",
    "rata2": "rata-rata",
    "rek": "rekening",
    "ngutang": "utang",
    "ngutangnya": "utangnya",
    "gede": "besar",
    "gedhe": "besar",
    "brapa": "berapa",
    "berapakah": "berapa",
    "bln": "bulan",
    "bl": "bulan",
    "gmn": "gimana",
    "gmna": "gimana",
    "gimana": "gimana",
    "bgmn": "bagaimana",
    "udh": "sudah",
    "udah": "sudah",
    "sdh": "sudah",
    "yg": "yang",
    "dgn": "dengan",
    "dg": "dengan",
    "tdk": "tidak",
    "gak": "tidak",
    "ga": "tidak",
    "nggak": "tidak",
    "blm": "belum",
    "skrg": "sekarang",
    "skg": "sekarang",
    "hr": "hari",
    "thn": "tahun",
    "taun": "tahun",
    "tahon": "tahun",
    "ama": "sama",
    "th": "tahun",
    "mgg": "minggu",
    "mg": "minggu",
    "utk": "untuk",
    "dr": "dari",
    "krn": "karena",
    "jml": "jumlah",
    "tgl": "tanggal",
    "sm": "sama",
    "kl": "kalau",
    "klo": "kalau",
    "kalo": "kalau",
    "tp": "tapi",
    "trs": "terus",
    "trus": "terus",
    "lg": "lagi",
    "dlm": "dalam",
    "pd": "pada",
    "kmrn": "kemarin",
    "kemaren": "kemarin",
    "bnyk": "banyak",
    "byk": "banyak",
    "plg": "paling",
    "tertinggi2": "tertinggi",
    "cust": "customer",
    "custs": "customers",
    "pelangan": "pelanggan",
    "omset": "omzet",
    "vs.": "vs",
    "versus": "vs",
    "u": "you",
    "r": "are",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "mo": "month",
    "yr": "year",
    "qty": "qty",
}

TOKEN = re.compile(r"[a-z0-9]+(?:[-/.][a-z0-9]+)*%?|%|\?|;|,")


@dataclass
class Normalized:
    """The normalised text, its tokens, and what was corrected (original -> corrected)."""

    text: str
    tokens: list[str]
    corrections: list[tuple[str, str]] = field(default_factory=list)


def tokens_of(text: str) -> list[str]:
    """Lower-case word tokens: codes and dates stay whole (mch-002, 2024-12-01); hyphenated words split
    (lowest-spending, rata-rata), the same way in questions and in the lexicon."""
    out: list[str] = []
    for token in TOKEN.findall(text.lower()):
        if "-" in token and not any(ch.isdigit() for ch in token):
            out += [part for part in token.split("-") if part]
        else:
            out.append(token)
    return out


class Speller:
    """Corrects misspelt words to the closest known word (difflib ratio), never a known or short word."""

    def __init__(self, vocabulary: Iterable[str], cutoff: float = 0.86) -> None:
        self.known = {w for w in vocabulary if w.isalpha()}
        # candidates by first letter: a typo rarely changes it ("located" is a word, not "allocated")
        self.by_start: dict[str, list[str]] = {}
        for w in sorted(w for w in self.known if len(w) >= 4):
            self.by_start.setdefault(w[0], []).append(w)
        self.cutoff = cutoff

    def correct(self, word: str) -> str | None:
        """The known word `word` was meant as, or None when it is known, short or not close to any."""
        if word in self.known or len(word) < 5 or not word.isalpha():
            return None
        same_start = self.by_start.get(word[0], [])
        match = difflib.get_close_matches(word, same_start, n=2, cutoff=self.cutoff)
        if not match:
            swapped = [c for c in same_start if len(c) == len(word) and _one_swap(word, c)]
            return swapped[0] if len(swapped) == 1 else None  # "omzte": two letters swapped
        if len(match) == 2 and _ratio(word, match[0]) - _ratio(word, match[1]) < 0.05:
            return None  # two known words equally close: not ours to pick
        return match[0]


def _one_swap(a: str, b: str) -> bool:
    """Whether b is a with two neighbouring letters swapped."""
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def normalize(text: str, speller: Speller | None = None, protected: Iterable[str] = ()) -> Normalized:
    """Expand shorthand and correct misspellings; `protected` words (entity names) are left alone."""
    keep = set(protected)
    out: list[str] = []
    fixes: list[tuple[str, str]] = []
    for token in tokens_of(text):
        if token == "nya":  # "maintenance-nya": the clitic written with a hyphen
            continue
        word = SHORTHAND.get(token, token)
        if "-" in word and not any(ch.isdigit() for ch in word):  # "rata2" -> "rata-rata" -> rata, rata
            out += [part for part in word.split("-") if part]
            continue
        if speller is not None and word not in keep:
            fixed = speller.correct(word)
            if fixed is not None:
                fixes.append((token, fixed))
                word = fixed
        out.append(word)
    return Normalized(" ".join(out), out, fixes)
