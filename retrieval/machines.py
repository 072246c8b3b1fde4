"""The machines manuals may name, read from the warehouse's machine master (names and models -> codes)."""

from __future__ import annotations

import logging

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from retrieval.metadata import MachineNames, normalise
from warehouse.schema import MMachine

log = logging.getLogger(__name__)


def machine_names(engine: Engine) -> MachineNames:
    """(normalised name or model, code) of every live machine, longest first; empty when the warehouse
    cannot be read (manuals then carry only the codes they name)."""
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(MMachine.name, MMachine.model, MMachine.code).where(MMachine.deleted_at.is_(None))
            ).all()
    except SQLAlchemyError as exc:
        log.warning("machine names not read, manuals tagged by code only: %s", exc.__class__.__name__)
        return ()
    pairs = {(normalise(text).strip(), code) for name, model, code in rows for text in (name, model) if text}
    return tuple(sorted(pairs, key=lambda p: (-len(p[0]), p[0])))
