"""Workflow rules: SLA clocks past their target (log_sla) and
purchase orders waiting too long for approval."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, select

from alerts.types import Finding, RuleContext
from warehouse.schema import LogSla, MVendor, TDo, TPo, TSo, TWo

# SLA entity -> (document table, module whose readers hear about it)
SLA_ENTITIES: dict[str, tuple[Any, str]] = {
    "SO": (TSo, "SO"),
    "DO": (TDo, "SO"),
    "PO": (TPo, "PO"),
    "WO": (TWo, "WO"),
}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def sla_breach(ctx: RuleContext) -> list[Finding]:
    """Running SLA clocks past their target: Medium, High once late by more than the target itself."""
    findings = []
    for kind, (table, module) in SLA_ENTITIES.items():
        rows = ctx.session.execute(
            select(table.doc_no, LogSla.sla_type, LogSla.target_at, LogSla.target_min)
            .join(table, and_(table.id == LogSla.entity_id, table.deleted_at.is_(None)))
            .where(
                LogSla.entity_type == kind,
                LogSla.completed_at.is_(None),
                LogSla.target_at < ctx.now,
            )
            .order_by(table.doc_no)
        ).all()
        for doc_no, sla_type, target_at, target_min in rows:
            late_min = int((ctx.now - _aware(target_at)).total_seconds() // 60)
            findings.append(
                Finding(
                    f"sla:{doc_no}:{sla_type}",
                    "sla",
                    module,
                    "SLA",
                    "High" if late_min > target_min else "Medium",
                    {"doc_no": doc_no, "sla_type": sla_type, "late_hours": late_min // 60},
                )
            )
    return findings


def po_approval(ctx: RuleContext) -> list[Finding]:
    """Purchase orders in a Pending state longer than N days: Medium, High past twice that."""
    limit = ctx.thresholds.po_approval_max_days
    rows = ctx.session.execute(
        select(TPo.doc_no, TPo.status, TPo.order_dt, TPo.total_amt, MVendor.name)
        .join(MVendor, MVendor.id == TPo.vendor_id)
        .where(TPo.status.like("Pending%"), TPo.deleted_at.is_(None))  # as pending_approvals counts them
        .order_by(TPo.order_dt, TPo.doc_no)
    ).all()
    findings = []
    for doc_no, status, order_dt, amt, vendor in rows:
        days = (ctx.today - order_dt).days
        if days <= limit:
            continue
        findings.append(
            Finding(
                f"po_approval:{doc_no}",
                "po_approval",
                "PO",
                "PO_APPROVAL",
                "High" if days > 2 * limit else "Medium",
                {
                    "doc_no": doc_no,
                    "vendor": vendor,
                    "waiting_for": status,
                    "days": days,
                    "total_amt": amt,
                    "limit_days": limit,
                },
            )
        )
    return findings
