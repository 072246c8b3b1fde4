"""Maintenance status: when each machine's preventive service is next due, and its recent jobs."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select

from tools.common import Code
from tools.money import Money
from tools.production_common import Qty, dec, find_machine, quantity
from tools.registry import REGISTRY, Caller, ToolContext
from warehouse.schema import MMachine, TMaint

RECENT_JOBS = 5
DUE_SOON_DAYS = 7


class MaintStatusArgs(BaseModel):
    """One machine by code, or every active machine."""

    model_config = ConfigDict(extra="forbid")
    machine: Code | None = None


class MaintJob(BaseModel):
    """One maintenance job."""

    maint_dt: date
    maint_type: str
    cost: Money
    downtime_min: int
    notes: str | None


class MachineMaint(BaseModel):
    """A machine's preventive schedule and its latest jobs."""

    code: str
    name: str
    model: str | None
    status: str
    maint_int_days: int
    last_preventive_dt: date | None
    next_due_dt: date | None  # last preventive + interval
    days_until_due: int | None  # negative: overdue by that many days
    overdue: bool
    run_hours: Qty
    recent_jobs: list[MaintJob]  # newest first, at most 5


class MaintStatusResult(BaseModel):
    """Maintenance status per machine, with the codes that are overdue or due within 7 days."""

    as_of: date
    machine: str | None
    machines: list[MachineMaint]
    overdue: list[str]
    due_soon: list[str]


def _last_preventive(ctx: ToolContext, ids: list[int]) -> dict[int, date]:
    rows = ctx.session.execute(
        select(TMaint.machine_id, func.max(TMaint.maint_dt))
        .where(TMaint.machine_id.in_(ids), TMaint.maint_type == "Preventive", TMaint.deleted_at.is_(None))
        .group_by(TMaint.machine_id)
    ).all()
    return {mid: day for mid, day in rows}


def _recent_jobs(ctx: ToolContext, ids: list[int]) -> dict[int, list[MaintJob]]:
    """The latest jobs of each machine, numbered per machine in SQL so only those rows come back."""
    rank = (
        func.row_number()
        .over(partition_by=TMaint.machine_id, order_by=(TMaint.maint_dt.desc(), TMaint.id.desc()))
        .label("rank")
    )
    ranked = select(TMaint, rank).where(TMaint.machine_id.in_(ids), TMaint.deleted_at.is_(None)).subquery()
    rows = ctx.session.execute(
        select(ranked).where(ranked.c.rank <= RECENT_JOBS).order_by(ranked.c.machine_id, ranked.c.rank)
    ).all()
    jobs: dict[int, list[MaintJob]] = defaultdict(list)
    for row in rows:
        jobs[row.machine_id].append(
            MaintJob(
                maint_dt=row.maint_dt,
                maint_type=row.maint_type,
                cost=dec(row.cost).quantize(Decimal("0.01")),
                downtime_min=int(row.downtime_min or 0),
                notes=row.notes,
            )
        )
    return jobs


def _machine(m: MMachine, last: date | None, jobs: list[MaintJob], today: date) -> MachineMaint:
    # Without a Preventive job on record, the master's last service date is the best we know.
    last = last or m.last_maint_dt
    due = last + timedelta(days=m.maint_int_days) if last else None
    days = (due - today).days if due else None
    return MachineMaint(
        code=m.code,
        name=m.name,
        model=m.model,
        status=m.status,
        maint_int_days=m.maint_int_days,
        last_preventive_dt=last,
        next_due_dt=due,
        days_until_due=days,
        overdue=days is not None and days < 0,
        run_hours=quantity(m.run_hours),
        recent_jobs=jobs,
    )


@REGISTRY.register("maintenance_status", MaintStatusArgs, "MAINT.READ")
def maintenance_status(ctx: ToolContext, args: MaintStatusArgs, _caller: Caller) -> MaintStatusResult:
    """Maintenance status per machine: next preventive service due, overdue days and recent jobs."""
    if args.machine:
        machines = [find_machine(ctx.session, args.machine)]
    else:
        machines = list(
            ctx.session.scalars(select(MMachine).where(MMachine.deleted_at.is_(None)).order_by(MMachine.code))
        )
    ids = [m.id for m in machines]
    last, jobs = _last_preventive(ctx, ids), _recent_jobs(ctx, ids)
    rows = [_machine(m, last.get(m.id), jobs.get(m.id, []), ctx.today) for m in machines]
    return MaintStatusResult(
        as_of=ctx.today,
        machine=args.machine,
        machines=rows,
        overdue=[r.code for r in rows if r.overdue],
        due_soon=[
            r.code for r in rows if r.days_until_due is not None and 0 <= r.days_until_due <= DUE_SOON_DAYS
        ],
    )
