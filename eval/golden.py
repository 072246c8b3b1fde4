"""The golden set's schema: one JSON object per line, a single question or a conversation of turns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from eval.facts import FactKind

GOLDEN_PATH = Path(__file__).parent / "golden" / "golden.jsonl"
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
    """The tool the question needs (None: out of scope) and the arguments it must carry."""

    model_config = ConfigDict(extra="forbid")
    tool: str | None
    args: dict[str, Any] = Field(default_factory=dict)


class Turn(BaseModel):
    """One question and what a correct reply holds."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1)
    expect: Expect
    facts: list[FactSpec] = Field(default_factory=list)
    refusal: bool = False
    restricted: list[FactSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Turn:
        if self.refusal and (self.facts or self.expect.tool is None):
            raise ValueError("a refusal names the tool it refuses and has restricted facts, not facts")
        if self.refusal and not self.restricted:
            raise ValueError("a refusal needs restricted facts that must not leak")
        if self.expect.tool is None and (self.facts or self.expect.args):
            raise ValueError("an out-of-scope question has no facts and no arguments")
        return self


class GoldenItem(BaseModel):
    """A golden case: one question, or a conversation whose turns share one conversation id."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
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
        return self

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
    """Parse and validate every line of a golden file (blank lines skipped); ids must be unique."""
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
