"""Machine and shop-floor rules: reject rate per machine (day and shift), work orders behind plan,
preventive maintenance overdue. Each reuses the production tool that computes the same figure."""

from __future__ import annotations

from decimal import Decimal

from alerts.types import Fact, Finding, RuleContext, Severity
from tools.production_machines import MachinePerf, MachinePerfArgs, machine_performance
from tools.production_maint import MaintStatusArgs, maintenance_status
from tools.production_wo import WoProgressArgs, wo_progress
from tools.registry import Caller, ToolContext

# Rules read the warehouse as the system, not as a person: the tools' own permission checks sit in the
# registry, which rules do not go through.
SYSTEM = Caller("system:alerts", "SYSTEM", frozenset())


def tool_context(ctx: RuleContext) -> ToolContext:
    """The tools' context for a rule run."""
    return ToolContext(ctx.session, ctx.today, reject_threshold_pct=ctx.thresholds.reject_rate_pct)


def reject_severity(rate: Decimal, threshold: float) -> Severity:
    """High above the threshold, Critical at twice the threshold or more."""
    return "Critical" if rate >= Decimal(str(threshold)) * 2 else "High"


def _machine_findings(m: MachinePerf, ctx: RuleContext, threshold: Decimal) -> list[Finding]:
    """The day's alert when the day is over; otherwise one per shift over the threshold.

    A bad day already names its bad shifts, so shift alerts only speak up for a bad shift hidden in an
    acceptable day: one message per problem, not four.
    """
    day = ctx.today.isoformat()
    bad_shifts = [s for s in m.by_shift if s.reject_rate_pct is not None and s.reject_rate_pct > threshold]
    if m.reject_rate_pct is not None and m.reject_rate_pct > threshold:
        facts: dict[str, Fact] = {
            "machine": m.code,
            "rate_pct": m.reject_rate_pct,
            "threshold_pct": threshold,
            "reject_qty": m.reject_qty,
            "output_qty": m.output_qty,
            "shifts": ", ".join(s.shift for s in bad_shifts) or "-",
            "day": ctx.today,
        }
        sev = reject_severity(m.reject_rate_pct, float(threshold))
        return [Finding(f"reject_rate:{m.code}:{day}", "reject_rate", "PROD", "REJECT_RATE", sev, facts)]
    return [
        Finding(
            f"reject_rate:{m.code}:{day}:S{s.shift}",
            "reject_rate",
            "PROD",
            "REJECT_RATE",
            reject_severity(s.reject_rate_pct or Decimal(0), float(threshold)),
            {
                "machine": m.code,
                "rate_pct": s.reject_rate_pct or Decimal(0),
                "threshold_pct": threshold,
                "reject_qty": s.reject_qty,
                "output_qty": s.output_qty,
                "shifts": s.shift,
                "day": ctx.today,
            },
        )
        for s in bad_shifts
    ]


def reject_rate(ctx: RuleContext) -> list[Finding]:
    """Machines whose reject rate today (whole day, or one shift) is above the threshold."""
    args = MachinePerfArgs(start=ctx.today, end=ctx.today, by_shift=True)
    result = machine_performance(tool_context(ctx), args, SYSTEM)
    threshold = Decimal(str(ctx.thresholds.reject_rate_pct))
    return [f for m in result.machines for f in _machine_findings(m, ctx, threshold)]


def wo_behind(ctx: RuleContext) -> list[Finding]:
    """Open work orders behind plan: past their end date (High) or trailing their schedule (Medium)."""
    # wo_progress lists at most 50 orders, soonest end date first: the ones that matter most.
    result = wo_progress(tool_context(ctx), WoProgressArgs(status="open"), SYSTEM)
    findings = []
    for o in result.orders:
        if not o.behind:
            continue
        late = o.end_dt is not None and o.end_dt < ctx.today
        findings.append(
            Finding(
                f"wo_behind:{o.doc_no}",
                "wo_behind",
                "WO",
                "WO_BEHIND",
                "High" if late else "Medium",
                {
                    "doc_no": o.doc_no,
                    "machine": o.machine_code,
                    "item": o.item_name,
                    "progress_pct": o.progress_pct or Decimal(0),
                    "expected_pct": o.expected_pct or Decimal(0),
                    "end_dt": o.end_dt.isoformat() if o.end_dt else "-",
                },
            )
        )
    return findings


def maintenance_overdue(ctx: RuleContext) -> list[Finding]:
    """Machines past their preventive service date (beyond the grace days); High after a week."""
    result = maintenance_status(tool_context(ctx), MaintStatusArgs(), SYSTEM)
    findings = []
    for m in result.machines:
        days = -(m.days_until_due or 0)
        if not m.overdue or days <= ctx.thresholds.maint_grace_days:
            continue
        findings.append(
            Finding(
                f"maint_overdue:{m.code}",
                "maint_overdue",
                "MAINT",
                "MAINT",
                "High" if days > 7 else "Medium",
                {"machine": m.code, "days": days, "due_dt": m.next_due_dt or ctx.today},
            )
        )
    return findings
