"""The golden set's schema: one JSON object per line, a single question or a conversation of turns.

The set has two splits: `dev` (eval/golden/golden.jsonl), which the router may be tuned on, and `heldout`
(eval/golden/heldout.jsonl), other wordings of the same families that nobody tunes on; ids are unique
across both.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from eval.facts import FactKind

GOLDEN_PATH = Path(__file__).parent / "golden" / "golden.jsonl"
HELDOUT_PATH = Path(__file__).parent / "golden" / "heldout.jsonl"
SPLITS: dict[str, Path] = {"dev": GOLDEN_PATH, "heldout": HELDOUT_PATH}
USERS = ("director", "admin", "john.doe", "jane.smith", "operator1")


class FactSpec(BaseModel):
    """A figure the answer must show (or, when restricted, must not): SQL over the warehouse and a kind."""

    model_config = ConfigDict(extra="forbid")
    sql: str | dict[str, str]  # one statement for both databases, or one per dialect
    kind: FactKind
    name: str = ""  # what the figure is, for the report

    @field_validator("sql")
    @classmethod
    def _dialects(cls, value: str | dict[str, str]) -> str | dict[str, str]:
        if isinstance(value, dict) and set(value) != {"sqlite", "postgresql"}:
            raise ValueError("per-dialect SQL needs exactly the keys sqlite and postgresql")
        return value


class Expect(BaseModel):
    """The tool the question needs and the arguments it must carry.

    `tool` is one tool, a list of tools any of which may answer (the arguments are then checked only when
    the tool that ran is the first of the list), or None: out of scope, or with `clarify` a question so
    ambiguous that the reply must be a clarifying question with numbered options.
    """

    model_config = ConfigDict(extra="forbid")
    tool: str | list[str] | None
    args: dict[str, Any] = Field(default_factory=dict)
    clarify: bool = False

    @field_validator("tool")
    @classmethod
    def _tools(cls, value: str | list[str] | None) -> str | list[str] | None:
        if isinstance(value, list) and (not value or len(set(value)) != len(value)):
            raise ValueError("a list of acceptable tools is non-empty and names each tool once")
        return value

    @model_validator(mode="after")
    def _clarify(self) -> Expect:
        if self.clarify and (self.tool is not None or self.args):
            raise ValueError("a clarification runs no tool: give tool null and no arguments")
        return self

    @property
    def tools(self) -> list[str]:
        """Every acceptable tool, the first being the one whose arguments are checked."""
        if self.tool is None:
            return []
        return [self.tool] if isinstance(self.tool, str) else list(self.tool)


class Turn(BaseModel):
    """One question and what a correct reply holds."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1)
    expect: Expect
    facts: list[FactSpec] = Field(default_factory=list)
    refusal: bool = False
    restricted: list[FactSpec] = Field(default_factory=list)
    # In a reply to a clarification: the option whose text holds this is chosen, i.e. the question sent
    # is that option's number; when no option holds it, the clarification failed and this turn is not
    # asked (the question as written, "1", documents the intent).
    pick: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Turn:
        if self.refusal and (self.facts or self.expect.tool is None):
            raise ValueError("a refusal names the tool it refuses and has restricted facts, not facts")
        if self.refusal and not self.restricted:
            raise ValueError("a refusal needs restricted facts that must not leak")
        if self.expect.tool is None and (self.facts or self.expect.args):
            raise ValueError("an out-of-scope question has no facts and no arguments")
        if self.expect.clarify and self.refusal:
            raise ValueError("a clarification is not a refusal")
        return self


class GoldenItem(BaseModel):
    """A golden case: one question, or a conversation whose turns share one conversation id."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    # One meaning asked many ways: the items of a family are paraphrases (kind-name, e.g. rank-ar-customer).
    family: str | None = Field(default=None, pattern=r"^[a-z]+-[a-z0-9\-]+$")
    lang: Literal["id", "en"]
    user: str
    question: str | None = None
    expect: Expect | None = None
    facts: list[FactSpec] = Field(default_factory=list)
    refusal: bool = False
    restricted: list[FactSpec] = Field(default_factory=list)
    conversation: list[Turn] | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> GoldenItem:
        single = self.question is not None or self.expect is not None
        if single == (self.conversation is not None):
            raise ValueError("give either question/expect or a conversation")
        if self.conversation is not None and len(self.conversation) < 2:
            raise ValueError("a conversation has at least two turns")
        if single:
            self.turns  # validates the single turn now, not at run time  # noqa: B018
        for index, turn in enumerate(self.turns):
            after_clarify = index > 0 and self.turns[index - 1].expect.clarify
            if turn.pick is not None and not after_clarify:
                raise ValueError("pick answers a clarification: only on the turn after one")
        return self

    @property
    def kind(self) -> str:
        """The family's kind (rank, cmp, attr...), or "core" for the items written before families."""
        return self.family.split("-", 1)[0] if self.family else "core"

    @property
    def turns(self) -> list[Turn]:
        """The item's turns (a single question is a one-turn conversation)."""
        if self.conversation is not None:
            return self.conversation
        assert self.question is not None and self.expect is not None, "single item without question"
        return [
            Turn(
                question=self.question,
                expect=self.expect,
                facts=self.facts,
                refusal=self.refusal,
                restricted=self.restricted,
            )
        ]


def load_golden(path: Path = GOLDEN_PATH) -> list[GoldenItem]:
    """Parse and validate every line of a golden file (blank lines skipped); ids must be unique.

    The default is the dev split; `load_splits` reads both.
    """
    items: list[GoldenItem] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(GoldenItem.model_validate(json.loads(line)))
        except ValueError as exc:
            raise ValueError(f"{path.name} line {number}: {exc}") from exc
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"duplicate golden id {item.id}")
        seen.add(item.id)
    return items


def load_splits(names: tuple[str, ...] = tuple(SPLITS)) -> dict[str, list[GoldenItem]]:
    """The items of each named split (dev, heldout); every split is read, so ids are unique across all."""
    unknown = set(names) - set(SPLITS)
    if unknown:
        raise ValueError(f"unknown split {sorted(unknown)[0]!r}: choose from {', '.join(SPLITS)}")
    splits = {name: load_golden(path) for name, path in SPLITS.items()}
    seen: dict[str, str] = {}
    for name, items in splits.items():
        for item in items:
            if item.id in seen:
                raise ValueError(f"golden id {item.id} is in both {seen[item.id]} and {name}")
            seen[item.id] = name
    return {name: splits[name] for name in names}
