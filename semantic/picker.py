"""The compiler's rollup hook: per statement, the first fresh pre-aggregate that gives the base answer.

`Compiler(today, rollups=RollupPicker())`. A rollup is chosen for a statement when it stands in for the
statement's base source, sums every metric asked of it, has every dimension grouped or filtered by, can
make up the period from its rows (a monthly-only one: whole months) and is fresh (semantic/preagg.py: its base
tables unchanged since its last refresh); otherwise the statement runs on the base tables.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from semantic.catalog import CATALOG
from semantic.model import RollupSource
from semantic.preagg import freshness
from semantic.query import Query, Span
from semantic.rollups import ROLLUPS, Rollup
from telemetry.metrics import ROLLUP_PICKS


class RollupPicker:
    """The compiler's rollup hook: `Compiler(today, rollups=RollupPicker())` answers from fresh rollups."""

    def __init__(self, rollups: Iterable[Rollup] = ROLLUPS) -> None:
        self.rollups = tuple(rollups)

    def bind(self, session: Session) -> BoundPicker:
        """A picker for one query run on `session`: freshness is read once, on the first candidate."""
        return BoundPicker(session, self.rollups)


class BoundPicker:
    """Chooses, per statement, the first fresh rollup that covers its metrics and dimensions."""

    def __init__(self, session: Session, rollups: tuple[Rollup, ...]) -> None:
        self.session, self.rollups = session, rollups
        self._fresh: dict[str, dict[str, bool]] = {}  # base source -> rollup -> fresh

    def __call__(
        self, source: str, metrics: list[str], query: Query, span: Span | None
    ) -> RollupSource | None:
        """A rollup standing in for `source` for this statement, or None: use the base tables."""
        dims = set(query.group_by) | set(query.filters)
        grains = {g for d in query.group_by if (g := CATALOG.dimensions[d].time_grain)}
        for rollup in self.rollups:
            if rollup.base != source or not rollup.covers(metrics, dims, span, grains):
                continue
            if self.fresh(rollup):
                ROLLUP_PICKS.labels(rollup.name, "used").inc()
                return rollup.source(span, grains)
            ROLLUP_PICKS.labels(rollup.name, "stale").inc()
        return None

    def fresh(self, rollup: Rollup) -> bool:
        """Whether the rollup was built from the base tables as they are now: read once per run for all
        the rollups of its base source."""
        if rollup.base not in self._fresh:
            same = [r for r in self.rollups if r.base == rollup.base]
            self._fresh[rollup.base] = freshness(self.session.connection(), same)
        return self._fresh[rollup.base][rollup.name]
