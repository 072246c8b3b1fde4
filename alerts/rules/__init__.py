"""Every alert rule, one module per family; the engine runs RULES in this order."""

from __future__ import annotations

from alerts.rules.finance import ar_overdue, cash_negative
from alerts.rules.inventory import stock
from alerts.rules.production import maintenance_overdue, reject_rate, wo_behind
from alerts.rules.workflow import po_approval, sla_breach
from alerts.types import Rule

RULES: tuple[Rule, ...] = (
    Rule("reject_rate", reject_rate),
    Rule("stock", stock, prefixes=("stock_oversold", "stock_low")),
    Rule("ar_overdue", ar_overdue),
    Rule("cash_negative", cash_negative),
    Rule("sla", sla_breach),
    Rule("wo_behind", wo_behind),
    Rule("maint_overdue", maintenance_overdue),
    Rule("po_approval", po_approval),
)


def by_name(names: list[str] | None) -> tuple[Rule, ...]:
    """The rules with these names (all when None); an unknown name is an error."""
    if not names:
        return RULES
    known = {r.name: r for r in RULES}
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError(f"unknown rule(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return tuple(known[n] for n in names)
