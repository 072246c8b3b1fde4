"""Machine performance over a period from the shift logs: output, rejects, downtime, OEE, error codes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, and_, func, select

from tools.common import Code, Period
from tools.money import Percent
from tools.production_common import Qty, dec, find_machine, pct1, quantity
from tools.registry import REGISTRY, Caller, ToolContext
from warehouse.schema import MMachine, TShiftLog


class MachinePerfArgs(Period):
    """A period (start, end, label), optionally one machine, optionally split by shift."""

    model_config = ConfigDict(extra="forbid")
    machine: Code | None = None
    by_shift: bool = False


class ErrorCount(BaseModel):
    """How many shifts reported an error code."""

    code: str
    count: int


class ShiftPerf(BaseModel):
    """Figures of one shift ("1", "2" or "3") over the period."""

    shift: str
    output_qty: Qty
    reject_qty: Qty
    reject_rate_pct: Percent | None
    downtime_min: Qty


class PerfFigures(BaseModel):
    """Output (good + reject), rejects, downtime and OEE summed over shift logs."""

    output_qty: Qty
    reject_qty: Qty
    good_qty: Qty
    reject_rate_pct: Percent | None  # reject / output
    downtime_min: Qty
    oee_pct: Percent | None  # good / (cap_per_hr x planned hours)
    shifts: int
    error_codes: list[ErrorCount]
    above_threshold: bool  # reject rate above the alert threshold
    by_shift: list[ShiftPerf]  # filled only when asked for


class MachinePerf(PerfFigures):
    """One machine's figures."""

    code: str
    name: str


class MachinePerfResult(BaseModel):
    """Per-machine figures and the plant total over [start, end]."""

    start: date
    end: date
    label: str
    machine: str | None
    threshold_pct: Percent
    machines: list[MachinePerf]
    total: PerfFigures
    above_threshold: list[str]  # codes of machines whose reject rate is above the threshold


class _Sums:
    """Running sums of shift-log figures (a machine's, or the plant's)."""

    def __init__(self) -> None:
        self.output = self.reject = self.downtime = self.ideal = Decimal(0)
        self.shifts = 0
        self.errors: dict[str, int] = defaultdict(int)
        self.by_shift: dict[str, list[Decimal]] = {}

    def add(self, output: Decimal, reject: Decimal, downtime: Decimal, ideal: Decimal, shifts: int) -> None:
        """Add summed figures; `ideal` is the rated output of the planned time (the OEE denominator)."""
        self.output += output
        self.reject += reject
        self.downtime += downtime
        self.ideal += ideal
        self.shifts += shifts

    def add_shift(self, shift: str, output: Decimal, reject: Decimal, downtime: Decimal) -> None:
        """Add one shift number's summed figures."""
        old = self.by_shift.get(shift, [Decimal(0)] * 3)
        self.by_shift[shift] = [old[0] + output, old[1] + reject, old[2] + downtime]

    def figures(self, threshold: Decimal) -> dict[str, Any]:
        """The PerfFigures fields: rates with one decimal, error codes most frequent first."""
        rate = pct1(self.reject, self.output)
        good = self.output - self.reject
        shifts = [
            ShiftPerf(
                shift=s,
                output_qty=quantity(o),
                reject_qty=quantity(r),
                reject_rate_pct=pct1(r, o),
                downtime_min=quantity(d),
            )
            for s, (o, r, d) in sorted(self.by_shift.items())
        ]
        return {
            "output_qty": quantity(self.output),
            "reject_qty": quantity(self.reject),
            "good_qty": quantity(good),
            "reject_rate_pct": rate,
            "downtime_min": quantity(self.downtime),
            "oee_pct": pct1(good, self.ideal),
            "shifts": self.shifts,
            "error_codes": [
                ErrorCount(code=c, count=n)
                for c, n in sorted(self.errors.items(), key=lambda e: (-e[1], e[0]))
            ],
            "above_threshold": rate is not None and rate > threshold,
            "by_shift": shifts,
        }


def _scope(ctx: ToolContext, args: MachinePerfArgs) -> ColumnElement[bool]:
    """Which machines: the one asked for (retired ones too, for history), else every active machine."""
    if args.machine:
        return MMachine.id == find_machine(ctx.session, args.machine, include_retired=True).id
    return MMachine.deleted_at.is_(None)


def _logs_in(args: MachinePerfArgs) -> ColumnElement[bool]:
    """Live shift logs of the period (log_dt is indexed)."""
    return and_(TShiftLog.log_dt.between(args.start, args.end), TShiftLog.deleted_at.is_(None))


Sums = dict[str, tuple[str, _Sums]]


def _machine_sums(ctx: ToolContext, args: MachinePerfArgs, scope: ColumnElement[bool]) -> Sums:
    """Per machine (machines without logs too): name and summed figures, in one grouped query."""
    rows = ctx.session.execute(
        select(
            MMachine.code,
            MMachine.name,
            MMachine.cap_per_hr,
            func.sum(TShiftLog.output_qty),
            func.sum(TShiftLog.reject_qty),
            func.sum(TShiftLog.downtime_min),
            func.sum(TShiftLog.plan_min),
            func.count(TShiftLog.id),
        )
        .outerjoin(TShiftLog, and_(TShiftLog.machine_id == MMachine.id, _logs_in(args)))
        .where(scope)
        .group_by(MMachine.id, MMachine.code, MMachine.name, MMachine.cap_per_hr)
        .order_by(MMachine.code)
    ).all()
    machines: Sums = {}
    for code, name, cap, out, rej, down, plan_min, shifts in rows:
        sums = _Sums()
        sums.add(dec(out), dec(rej), dec(down), dec(cap) * dec(plan_min) / 60, int(shifts))
        machines[code] = (name, sums)
    return machines


def _add_details(ctx: ToolContext, args: MachinePerfArgs, scope: ColumnElement[bool], sums: Sums) -> None:
    """Error code counts, and per-shift figures when asked for, into each machine's sums."""
    errors = ctx.session.execute(
        select(MMachine.code, TShiftLog.error_code, func.count())
        .select_from(TShiftLog)
        .join(MMachine, MMachine.id == TShiftLog.machine_id)
        .where(_logs_in(args), scope, TShiftLog.error_code.is_not(None))
        .group_by(MMachine.code, TShiftLog.error_code)
    ).all()
    for code, error, count in errors:
        sums[code][1].errors[str(error)] += int(count)
    if not args.by_shift:
        return
    shifts = ctx.session.execute(
        select(
            MMachine.code,
            TShiftLog.shift,
            func.sum(TShiftLog.output_qty),
            func.sum(TShiftLog.reject_qty),
            func.sum(TShiftLog.downtime_min),
        )
        .select_from(TShiftLog)
        .join(MMachine, MMachine.id == TShiftLog.machine_id)
        .where(_logs_in(args), scope)
        .group_by(MMachine.code, TShiftLog.shift)
    ).all()
    for code, shift, out, rej, down in shifts:
        sums[code][1].add_shift(shift, dec(out), dec(rej), dec(down))


@REGISTRY.register("machine_performance", MachinePerfArgs, "PROD.READ")
def machine_performance(ctx: ToolContext, args: MachinePerfArgs, _caller: Caller) -> MachinePerfResult:
    """Machine performance over a period: output, reject rate, downtime, OEE and error codes per machine."""
    scope = _scope(ctx, args)
    sums = _machine_sums(ctx, args, scope)
    _add_details(ctx, args, scope, sums)
    threshold = Decimal(str(ctx.reject_threshold_pct))
    plant = _Sums()
    machines = []
    for code, (name, one) in sums.items():
        plant.add(one.output, one.reject, one.downtime, one.ideal, one.shifts)
        for error, count in one.errors.items():
            plant.errors[error] += count
        for shift, (out, rej, down) in one.by_shift.items():
            plant.add_shift(shift, out, rej, down)
        machines.append(MachinePerf(code=code, name=name, **one.figures(threshold)))
    return MachinePerfResult(
        start=args.start,
        end=args.end,
        label=args.label,
        machine=args.machine,
        threshold_pct=threshold,
        machines=machines,
        total=PerfFigures(**plant.figures(threshold)),
        above_threshold=[m.code for m in machines if m.above_threshold],
    )
