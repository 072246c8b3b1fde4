"""The sync's health as the web process sees it (/readyz, /metrics): read from the warehouse's sync tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from warehouse.schema import SyncDead, SyncRun
from warehouse.types import utcnow


@dataclass(frozen=True)
class SyncSnapshot:
    """The last finished cycle and the dead letters so far."""

    last_run_at: datetime
    age_s: float  # since the last cycle finished
    lag_s: float | None  # the last cycle's oldest new ERP change to its commit
    events_per_s: float  # events read per second in the last cycle
    loaded: int
    dead_letters: int


def record_run(
    session: Session,
    *,
    started: datetime,
    mode: str,
    extracted: int,
    loaded: int,
    dead: int,
    lag_s: float | None,
    finished: datetime | None = None,
) -> None:
    """Store one finished cycle (in process, or through NATS): what `snapshot` shows the web process."""
    session.add(
        SyncRun(
            started_at=started,
            finished_at=finished or utcnow(),
            mode=mode,
            extracted=extracted,
            loaded=loaded,
            dead=dead,
            lag_s=lag_s,
        )
    )


def snapshot(engine: Engine) -> SyncSnapshot | None:
    """The sync's state, or None when it never ran against this warehouse."""
    with Session(engine) as session:
        run = session.scalars(
            select(SyncRun).where(SyncRun.finished_at.is_not(None)).order_by(SyncRun.id.desc()).limit(1)
        ).first()
        if run is None or run.finished_at is None:
            return None
        dead = int(session.scalar(select(func.count()).select_from(SyncDead)) or 0)
    seconds = max((run.finished_at - run.started_at).total_seconds(), 1e-3)
    return SyncSnapshot(
        last_run_at=run.finished_at,
        age_s=round((utcnow() - run.finished_at).total_seconds(), 1),
        lag_s=run.lag_s,
        events_per_s=round(run.extracted / seconds, 1),
        loaded=run.loaded,
        dead_letters=dead,
    )
