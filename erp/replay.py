"""`sentient sync dead-letters --replay`: dead letters re-applied through the loader, their cause fixed.

A typical cause: an order refused for an unknown status letter, fixed in the ERP afterwards; the order
syncs again by itself (its last_modified moved), but its lines, invoice and delivery, dead for want of
their parent, did not change in the ERP and are never read again. Replaying them applies them now.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from erp.events import Change
from erp.load import apply_batch, refresh_derived
from warehouse.schema import SyncDead, SyncKey


@dataclass(frozen=True)
class Replayed:
    """What replaying one dead letter did: applied, superseded (a newer version is loaded) or dead again."""

    id: int
    table: str
    key: str
    outcome: str  # applied | superseded | dead
    reason: str = ""


def select_dead(session: Session, ids: list[int] | None) -> list[SyncDead]:
    """The dead letters with these ids (all of them when None), oldest first."""
    query = select(SyncDead).order_by(SyncDead.id)
    if ids is not None:
        query = query.where(SyncDead.id.in_(ids))
    return list(session.scalars(query))


def _change(dead: SyncDead) -> Change | None:
    """The event a dead letter stored (None: it never was one, e.g. undecodable bytes)."""
    try:
        row = json.loads(dead.payload)
        ts = str(row["last_modified"])
    except (ValueError, KeyError, TypeError):
        return None
    # The extraction sequence is not kept: 0 orders it before any version of the same second.
    return Change(dead.erp_table, dead.erp_key, ts, 0, row)


def replay(wh: Engine, tz: ZoneInfo, ids: list[int] | None) -> list[Replayed]:
    """Re-apply dead letters in one transaction; applied and superseded ones leave sync_dead, the others
    stay with their new reason and one more attempt."""
    out: list[Replayed] = []
    with Session(wh) as session, session.begin():
        letters = select_dead(session, ids)
        changes = {d.id: c for d in letters if (c := _change(d)) is not None}
        loaded = _loaded_versions(session, list(changes.values()))
        # A version of the row as new or newer is in the warehouse already (fixed in the ERP and synced).
        superseded = {i for i, c in changes.items() if loaded.get((c.table, c.key), "") >= c.version}
        todo = [c for i, c in changes.items() if i not in superseded]
        result = apply_batch(session, todo, tz)
        failed = {id(f.change): f.reason for f in result.failures}
        done: list[int] = []
        for dead in letters:
            change = changes.get(dead.id)
            reason = "not a change event" if change is None else failed.get(id(change), "")
            if reason:
                dead.reason, dead.attempts = reason, dead.attempts + 1
                out.append(Replayed(dead.id, dead.erp_table, dead.erp_key, "dead", reason))
                continue
            done.append(dead.id)
            outcome = "superseded" if dead.id in superseded else "applied"
            out.append(Replayed(dead.id, dead.erp_table, dead.erp_key, outcome))
        if done:
            session.execute(delete(SyncDead).where(SyncDead.id.in_(done)))
        if result.days:
            refresh_derived(session, min(result.days))
    return out


def _loaded_versions(session: Session, changes: list[Change]) -> dict[tuple[str, str], str]:
    """(ERP table, key) -> the version the warehouse holds, for the keys of `changes`."""
    out: dict[tuple[str, str], str] = {}
    for change in changes:
        found = session.scalar(
            select(SyncKey.src_ts).where(SyncKey.erp_table == change.table, SyncKey.erp_key == change.key)
        )
        if found is not None:
            out[(change.table, change.key)] = found
    return out
