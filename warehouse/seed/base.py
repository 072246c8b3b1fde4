"""`sentient seed`: the spec's sample data and everything derived from it, relative to one business day."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from warehouse.base import Base
from warehouse.migrate import rebuild
from warehouse.schema import MCust
from warehouse.seed.access import seed_access
from warehouse.seed.activity import seed_activity
from warehouse.seed.context import SeedContext
from warehouse.seed.finance import seed_cash_plan
from warehouse.seed.ledger import Ledger, close_ledger
from warehouse.seed.masters import seed_masters
from warehouse.seed.production import seed_production
from warehouse.seed.purchasing import seed_purchasing
from warehouse.seed.sales import seed_sales

STEPS = ("access", "masters", "sales", "purchasing", "production", "cash", "ledger", "activity")


def is_seeded(session: Session) -> bool:
    """Whether the base sample data is already in the warehouse."""
    return session.scalar(select(MCust.id).where(MCust.code == "CUST-001")) is not None


def seed_base(engine: Engine, today: date, tz: ZoneInfo, on_step: object = None) -> bool:
    """Load the sample data in one transaction; returns False (and changes nothing) if already seeded."""
    with Session(engine) as session, session.begin():
        if is_seeded(session):
            return False
        ctx, ledger = SeedContext(session, today, tz), Ledger()
        for step in STEPS:
            _run_step(step, ctx, ledger)
            if callable(on_step):
                on_step(step)
    return True


def _run_step(step: str, ctx: SeedContext, ledger: Ledger) -> None:
    if step == "access":
        seed_access(ctx)
    elif step == "masters":
        seed_masters(ctx)
    elif step == "sales":
        seed_sales(ctx, ledger)
    elif step == "purchasing":
        seed_purchasing(ctx, ledger)
    elif step == "production":
        seed_production(ctx, ledger)
    elif step == "cash":
        seed_cash_plan(ctx, ledger)
    elif step == "ledger":
        close_ledger(ctx, ledger)
    else:
        seed_activity(ctx)


def wipe(engine: Engine) -> None:
    """Every warehouse table emptied, the audit trail included: the schema is rebuilt (PostgreSQL refuses
    to delete audit rows, by design; dropping the table is the one way, and only a reset does it)."""
    rebuild(engine)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per non-empty warehouse table (what a reset would delete)."""
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            n = int(conn.scalar(select(func.count()).select_from(table)) or 0)
            if n:
                counts[table.name] = n
    return counts
