"""Argument pieces shared by tools: periods, codes and limits, validated before any query runs."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

# Business codes and document numbers are short, upper-case, dash-separated: validated before any query.
Code = Annotated[str, Field(min_length=2, max_length=30, pattern=r"^[A-Z0-9][A-Z0-9\-]*$")]
DocNo = Annotated[str, Field(pattern=r"^(SO|PO|DO|WO)-\d{6}-\d{4,6}$")]
Limit = Annotated[int, Field(ge=1, le=50)]


class Period(BaseModel):
    """An inclusive date range with the label the question used (e.g. "bulan ini", "Q3 2024")."""

    start: date
    end: date
    label: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError("period end is before its start")
        if (self.end - self.start).days > 3660:
            raise ValueError("period longer than ten years")
        return self
