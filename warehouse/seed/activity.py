"""Alerts, audit trail, status history, SLA clocks and AI scores derived from the seeded orders."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal as D

from sqlalchemy import select

from warehouse.schema import (
    AdmUser,
    AiAlert,
    AiInsight,
    AiRfm,
    AiVendorScore,
    LogAudit,
    LogSla,
    LogStatus,
    MCust,
    MVendor,
    TDo,
    TPo,
    TSo,
    TWo,
)
from warehouse.seed.context import SeedContext

# The spec's sample alerts (1.8 D): type, severity, module, message, already read, dedup key. The keys are
# the ones alerts/rules give the same conditions ({today}: the business date), so a first `sentient alerts
# run` on the sample data recognises them instead of alerting twice.
ALERTS = [
    (
        "ANOMALY",
        "High",
        "WO",
        "Reject rate MCH-003 = 8.5% (threshold: 5%)",
        False,
        "reject_rate:MCH-003:{today}",
    ),
    ("CASHFLOW", "Critical", "FIN", "Saldo kas negatif dalam 7 hari", False, "cash_negative"),
    ("OVERDUE", "Medium", "FIN", "3 customer piutang > 30 hari", True, "ar_overdue_30d:{today}"),
    ("STOCK", "Medium", "WH", "ITM-005 oversold (-200)", False, "stock_oversold:ITM-005:WH-B1"),
]

# The spec's sample audit trail (1.8 D): hh:mm, user, action, entity key
AUDIT = [
    ((9, 15), "john.doe", "LOGIN", None),
    ((14, 25), "admin", "UPDATE", "resigned"),
    ((14, 28), "jane.smith", "APPROVE", "PO1"),
    ((14, 30), "john.doe", "CREATE", "SO4"),
]

APPROVAL_SLA_MIN = {"SO": 24 * 60, "PO": 48 * 60}


def seed_activity(ctx: SeedContext) -> None:
    """Everything that follows from the orders: alerts, logs, SLA clocks and scores."""
    _alerts(ctx)
    _audit(ctx)
    _status_and_sla(ctx)
    _scores(ctx)
    ctx.session.flush()


def _alerts(ctx: SeedContext) -> None:
    for kind, severity, module, message, read, key in ALERTS:
        ctx.session.add(
            AiAlert(
                module=module,
                alert_type=kind,
                severity=severity,
                message=message,
                channel="WA",
                sent=True,
                is_read=read,
                dedup_key=key.format(today=ctx.today.isoformat()),
                ts=ctx.at(ctx.today, 7, 0),
            )
        )
    ctx.session.add(
        AiInsight(
            module="WO",
            risk="Med",
            resolved=False,
            context_json=json.dumps({"wo": "WO2", "plan": 500, "actual": 320}),
            reasoning="Assembly Kit B work order is behind plan; delivery of SO2 may slip.",
        )
    )


def _audit(ctx: SeedContext) -> None:
    ids = {
        "resigned": ("adm_user", ctx.get("resigned", AdmUser).id),
        "PO1": ("t_po", _po(ctx, -9).id),
        "SO4": ("t_so", ctx.get("SO4", TSo).id),
    }
    for (hh, mm), user, action, key in AUDIT:
        entity_type, entity_id = ids[key] if key else (None, None)
        ctx.session.add(
            LogAudit(
                user_id=ctx.get(user, AdmUser).id,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                ip_address="192.168.1.100",
                created_at=ctx.at(ctx.today, hh, mm),
            )
        )


def _po(ctx: SeedContext, offset: int) -> TPo:
    return next(r for r in ctx.by_code.values() if isinstance(r, TPo) and r.order_dt == ctx.day(offset))


def _status_and_sla(ctx: SeedContext) -> None:
    now = ctx.now
    for row in [r for r in ctx.by_code.values() if isinstance(r, TSo | TPo)]:
        kind = "SO" if isinstance(row, TSo) else "PO"
        start = ctx.at(row.order_dt, 9)
        pending = "Pending" if kind == "SO" else "Pending Director"
        if row.status in ("Draft", "Cancel") and row.order_dt < ctx.today - timedelta(days=20):
            _status(ctx, kind, row.id, None, row.status, start)
            continue
        if row.status == "Draft":
            _status(ctx, kind, row.id, None, "Draft", start)
            continue
        _status(ctx, kind, row.id, "Draft", pending, start)
        approved_at = _approval_time(ctx, row, start)
        if approved_at:
            _status(ctx, kind, row.id, pending, "Approved", approved_at, start)
        _sla(ctx, kind, row.id, "Approval", start, APPROVAL_SLA_MIN[kind], approved_at, now)
    for do in [r for r in ctx.by_code.values() if isinstance(r, TDo)]:
        so = ctx.session.get(TSo, do.so_id)
        assert so is not None and so.deadline_dt is not None and do.ship_dt is not None
        shipped = ctx.at(do.ship_dt, 8)
        _status(ctx, "DO", do.id, "Pending", "In Transit", shipped)
        done = ctx.at(do.actual_dt, 15) if do.actual_dt else None
        if done:
            _status(ctx, "DO", do.id, "In Transit", "Delivered", done, shipped)
        target = ctx.at(so.deadline_dt, 17) - ctx.at(so.order_dt, 9)
        _sla(
            ctx, "DO", do.id, "Delivery", ctx.at(so.order_dt, 9), int(target.total_seconds() // 60), done, now
        )
    for key in ("WO1", "WO2"):
        wo = ctx.get(key, TWo)
        assert wo.start_dt and wo.end_dt
        started = ctx.at(wo.start_dt, 7)
        _status(ctx, "WO", wo.id, "Scheduled", "In Progress", started)
        done = ctx.at(wo.end_dt, 17) if wo.status == "Completed" else None
        if done:
            _status(ctx, "WO", wo.id, "In Progress", "Completed", done, started)
        target_min = int((ctx.at(wo.end_dt, 17) - started).total_seconds() // 60)
        _sla(ctx, "WO", wo.id, "Processing", started, target_min, done, now)


def _approval_time(ctx: SeedContext, row: TSo | TPo, start: datetime) -> datetime | None:
    if row.approved_dt is None:
        return None
    return max(start + timedelta(hours=2), ctx.at(row.approved_dt, 15))


def _status(
    ctx: SeedContext,
    kind: str,
    entity_id: int,
    old: str | None,
    new: str,
    at: datetime,
    since: datetime | None = None,
) -> None:
    duration = int((at - since).total_seconds() // 60) if since else None
    ctx.session.add(
        LogStatus(
            entity_type=kind,
            entity_id=entity_id,
            old_status=old,
            new_status=new,
            changed_at=at,
            duration_min=duration,
        )
    )


def _sla(
    ctx: SeedContext,
    kind: str,
    entity_id: int,
    sla_type: str,
    start: datetime,
    target_min: int,
    done: datetime | None,
    now: datetime,
) -> None:
    target = start + timedelta(minutes=target_min)
    actual = int((done - start).total_seconds() // 60) if done else None
    breached = (done or now) > target
    ctx.session.add(
        LogSla(
            entity_type=kind,
            entity_id=entity_id,
            sla_type=sla_type,
            start_at=start,
            target_at=target,
            completed_at=done,
            target_min=target_min,
            actual_min=actual,
            is_breached=breached,
        )
    )


def _scores(ctx: SeedContext) -> None:
    s = ctx.session
    for cust in s.scalars(select(MCust)):
        orders = [
            o
            for o in s.scalars(select(TSo).where(TSo.cust_id == cust.id))
            if o.status not in ("Draft", "Cancel")
        ]
        last: date | None = max((o.order_dt for o in orders), default=None)
        recency = (ctx.today - last).days if last else 999
        monetary = sum((o.total_amt for o in orders), D(0))
        s.add(
            AiRfm(
                cust_id=cust.id,
                recency_days=recency,
                frequency_count=len(orders),
                monetary_total=monetary,
                segment=_rfm_segment(recency, len(orders), monetary),
                calc_dt=ctx.today,
            )
        )
    for vendor in s.scalars(select(MVendor)):
        s.add(
            AiVendorScore(
                vendor_id=vendor.id,
                otd_score=vendor.otd_score or D(0),
                quality_score=vendor.quality_score or D(0),
                price_trend="Up" if vendor.code == "VND-003" else "Stable",
                calc_dt=ctx.today,
            )
        )


def _rfm_segment(recency: int, frequency: int, monetary: D) -> str:
    """VIP: recent, frequent and big; Lost: nothing for 90 days; AtRisk: quiet for 30; else Loyal."""
    if recency > 90:
        return "Lost"
    if recency > 30:
        return "AtRisk"
    return "VIP" if frequency >= 3 and monetary >= D(300_000_000) else "Loyal"
