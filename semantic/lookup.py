"""Attribute lookups: facts about named entities (a customer's credit limit), one bound-parameter SELECT."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from semantic.catalog import CATALOG, ENTITY_TABLES
from semantic.query import Lookup


@dataclass
class Found:
    """One entity's asked attributes (values as read; None: not recorded)."""

    code: str
    name: str
    values: dict[str, Any]


@dataclass
class LookupResult:
    """The entities found, in the order asked, and the codes that matched nothing."""

    lookup: Lookup
    found: list[Found]
    missing: list[str]

    def as_json(self) -> dict[str, Any]:
        """JSON-able data (Reply.data)."""
        show = lambda v: str(v) if isinstance(v, Decimal | date) else v  # noqa: E731
        return {
            "lookup": self.lookup.model_dump(mode="json"),
            "found": [
                {"code": f.code, "name": f.name, "values": {k: show(v) for k, v in f.values.items()}}
                for f in self.found
            ],
            "missing": self.missing,
        }


def run_lookup(session: Session, lookup: Lookup, today: date) -> LookupResult:
    """Read the asked attributes of the named (live) entities."""
    table = ENTITY_TABLES[lookup.entity]
    cols = [CATALOG.attributes[a].column(today).label(a) for a in lookup.attributes]
    rows = session.execute(
        select(table.code, table.name, *cols).where(table.code.in_(lookup.codes), table.deleted_at.is_(None))
    ).all()
    by_code = {row[0]: row for row in rows}
    found = [
        Found(code, by_code[code][1], dict(zip(lookup.attributes, by_code[code][2:], strict=True)))
        for code in lookup.codes
        if code in by_code
    ]
    return LookupResult(lookup, found, [c for c in lookup.codes if c not in by_code])
