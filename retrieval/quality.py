"""Retrieval quality against a QA set with gold file and section: recall@k and MRR@k, file and section level.

Gold sections in linuxcnc-qa-dev.jsonl are written as the raw AsciiDoc heading text, index terms included
("G4 Dwell(((G4 Dwell)))", "G38._n_ Straight Probe(((G38.n Probe)))"). A chunk matches at section level
when its source is the gold file and the LAST heading of its section path equals the gold section after
normalisation on both sides: AsciiDoc index terms (((...))) and anchors [[...]] removed, inline markup
characters (` * _ ' + #) dropped, whitespace collapsed, case folded. It matches at file level when its
source is the gold file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.types import Chunk

_INDEX_TERMS = re.compile(r"\(\(\(.*?\)\)\)|\[\[.*?\]\]")
_MARKUP = re.compile(r"[`*_'+#]")


@dataclass(frozen=True)
class Question:
    """One QA item: the question, its language and where the answer is."""

    id: str
    lang: str
    question: str
    gold_file: str
    gold_section: str


def load_questions(path: Path) -> list[Question]:
    """Read a QA jsonl file (fields id, lang, question, gold_file, gold_section)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append(Question(d["id"], d["lang"], d["question"], d["gold_file"], d["gold_section"]))
    return out


def normalise_heading(text: str) -> str:
    """A heading reduced to its words: no index terms, anchors or inline markup, lower case."""
    text = _MARKUP.sub("", _INDEX_TERMS.sub("", text))
    return re.sub(r"\s+", " ", text).strip().casefold()


def last_heading(section: str) -> str:
    """The innermost heading of a " > "-joined section path."""
    return section.rsplit(" > ", 1)[-1]


def section_match(chunk: Chunk, q: Question) -> bool:
    """The chunk is in the gold section of the gold file."""
    if chunk.source != q.gold_file:
        return False
    return normalise_heading(last_heading(chunk.section)) == normalise_heading(q.gold_section)


def file_match(chunk: Chunk, q: Question) -> bool:
    """The chunk is from the gold file."""
    return chunk.source == q.gold_file


@dataclass(frozen=True)
class Scores:
    """Recall@1, recall@5 and MRR@10 over n questions."""

    n: int
    r1: float
    r5: float
    mrr10: float

    def row(self) -> str:
        """The figures as a compact table cell."""
        return f"R@1 {self.r1:.2f}  R@5 {self.r5:.2f}  MRR@10 {self.mrr10:.3f}"


def first_hit(ranked: Sequence[Chunk], q: Question, match: Callable[[Chunk, Question], bool]) -> int | None:
    """1-based rank of the first matching chunk, or None."""
    return next((i for i, c in enumerate(ranked, 1) if match(c, q)), None)


def score(
    results: Iterable[tuple[Question, Sequence[Chunk]]], match: Callable[[Chunk, Question], bool]
) -> Scores:
    """Recall@1, recall@5 and MRR@10 of ranked results (each question with its ranked chunks)."""
    ranks = [first_hit(ranked[:10], q, match) for q, ranked in results]
    n = len(ranks)
    if n == 0:
        return Scores(0, 0.0, 0.0, 0.0)
    r1 = sum(r == 1 for r in ranks) / n
    r5 = sum(r is not None and r <= 5 for r in ranks) / n
    mrr = sum(1 / r for r in ranks if r is not None) / n
    return Scores(n, r1, r5, mrr)
