"""The query object: what the parser and the model both produce, validated against the catalog."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from semantic.catalog import CATALOG, ENTITY_TABLES

Value = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9 .\-/]*$")]


class Span(BaseModel):
    """An inclusive date range and how the question named it."""

    model_config = ConfigDict(extra="forbid")
    start: date
    end: date
    label: str = Field(default="", max_length=60)

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError("period end is before its start")
        if (self.end - self.start).days > 3660:
            raise ValueError("period longer than ten years")
        return self


class Query(BaseModel):
    """Metrics, grouped and filtered by dimensions, over a period (and a period to compare with)."""

    model_config = ConfigDict(extra="forbid")
    metrics: list[str] = Field(min_length=1, max_length=4)
    group_by: list[str] = Field(default_factory=list, max_length=2)
    filters: dict[str, list[Value]] = Field(default_factory=dict)
    period: Span | None = None
    compare: Span | None = None
    order: Literal["desc", "asc"] | None = None
    limit: int | None = Field(default=None, ge=1, le=50)

    @model_validator(mode="after")
    def _known(self) -> Query:
        for name in self.metrics:
            metric = CATALOG.metrics.get(name)
            if metric is None or metric.hidden:
                raise ValueError(f"unknown metric {name!r}")
        if len(set(self.metrics)) != len(self.metrics):
            raise ValueError("a metric is listed twice")
        for dim in [*self.group_by, *self.filters]:
            if dim not in CATALOG.dimensions:
                raise ValueError(f"unknown dimension {dim!r}")
            missing = [m for m in self.metrics if dim not in CATALOG.dims_of(m)]
            if missing:
                raise ValueError(f"{missing[0]} cannot be split or filtered by {dim}")
        if any(not values or len(values) > 20 for values in self.filters.values()):
            raise ValueError("a filter takes 1 to 20 values")
        if self.compare is not None and self.period is None:
            raise ValueError("a comparison needs a period")
        return self

    def permissions(self) -> list[str | tuple[str, ...]]:
        """The permission each metric needs (the caller must hold every one)."""
        return [CATALOG.metrics[m].permission for m in self.metrics]


class Lookup(BaseModel):
    """Attributes of named entities (credit limit of a customer, capacity of a machine)."""

    model_config = ConfigDict(extra="forbid")
    entity: Literal["customer", "item", "vendor", "machine", "warehouse"]
    codes: list[Value] = Field(min_length=1, max_length=10)
    attributes: list[str] = Field(min_length=1, max_length=6)

    @model_validator(mode="after")
    def _known(self) -> Lookup:
        assert self.entity in ENTITY_TABLES
        for name in self.attributes:
            attr = CATALOG.attributes.get(name)
            if attr is None or attr.entity != self.entity:
                raise ValueError(f"{self.entity} has no attribute {name!r}")
        return self

    def permissions(self) -> list[str | tuple[str, ...]]:
        """The permission each attribute needs."""
        return [CATALOG.attributes[a].permission for a in self.attributes]
