"""The dashboard's figures re-derived with plain SQL, written apart from tools/dashboard.py."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Engine, text


def _one(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if not whole else (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def expected_summary(engine: Engine, today: date) -> dict[str, Any]:
    """Every dashboard figure as README defines it, from raw SQL."""
    first = today.replace(day=1)
    last_end = first - timedelta(days=1)
    last_start = last_end.replace(day=1)
    revenue = (
        "SELECT SUM(total_amt) FROM t_so WHERE deleted_at IS NULL AND status IN ('Approved', 'Closed') "
        "AND order_dt >= :a AND order_dt <= :b"
    )
    mtd = _money(_one(engine, revenue, a=first, b=today))
    last = _money(_one(engine, revenue, a=last_start, b=last_end))
    good = _one(
        engine,
        "SELECT SUM(output_qty - reject_qty) FROM t_shift_log WHERE log_dt >= :a AND log_dt <= :b "
        "AND deleted_at IS NULL",
        a=first,
        b=today,
    )
    ideal = _one(
        engine,
        "SELECT SUM(m.cap_per_hr * s.plan_min) FROM t_shift_log s JOIN m_machine m "
        "ON m.id = s.machine_id WHERE s.log_dt >= :a AND s.log_dt <= :b AND s.deleted_at IS NULL",
        a=first,
        b=today,
    )
    active = "FROM ai_alert WHERE cleared_at IS NULL AND is_read = :f"
    return {
        "as_of": today.isoformat(),
        "currency": "IDR",
        "revenue_mtd": mtd,
        "revenue_last_month": last,
        "revenue_growth_pct": _pct(mtd - last, last),
        "pending_orders": _one(
            engine,
            "SELECT COUNT(*) FROM t_so s WHERE s.deleted_at IS NULL AND s.status IN "
            "('Pending', 'Approved') AND NOT EXISTS (SELECT 1 FROM t_do d WHERE "
            "d.so_id = s.id AND d.status = 'Delivered' AND d.deleted_at IS NULL)",
        ),
        "pending_approvals": _one(
            engine, "SELECT COUNT(*) FROM t_so WHERE status = 'Pending' AND deleted_at IS NULL"
        )
        + _one(engine, "SELECT COUNT(*) FROM t_po WHERE status LIKE 'Pending%' AND deleted_at IS NULL"),
        "production_oee": _pct(Decimal(str(good)) * 60, Decimal(str(ideal))) if ideal else None,
        "active_alerts": _one(engine, f"SELECT COUNT(*) {active}", f=False),
        "alerts_critical": _one(
            engine, f"SELECT COUNT(*) {active} AND severity IN ('Critical', 'High')", f=False
        ),
        "alerts_warning": _one(
            engine, f"SELECT COUNT(*) {active} AND severity IN ('Medium', 'Low')", f=False
        ),
        "cash_balance": _money(
            _one(
                engine,
                "SELECT SUM(amt) FROM t_cash WHERE status = 'Posted' AND txn_dt <= :t AND deleted_at IS NULL",
                t=today,
            )
        ),
        "ar_overdue": _money(
            _one(
                engine,
                "SELECT SUM(amt) FROM t_ar WHERE paid_dt IS NULL AND due_dt < :t AND deleted_at IS NULL",
                t=today,
            )
        ),
        "ap_due_7_days": _money(
            _one(
                engine,
                "SELECT SUM(amt) FROM t_ap WHERE paid_dt IS NULL AND due_dt >= :t "
                "AND due_dt <= :e AND deleted_at IS NULL",
                t=today,
                e=today + timedelta(days=7),
            )
        ),
    }


def as_json_numbers(expected: dict[str, Any]) -> dict[str, Any]:
    """The expected figures as the API's JSON numbers (whole Decimals become ints)."""

    def num(v: Any) -> Any:
        if isinstance(v, Decimal):
            return int(v) if v == v.to_integral_value() else float(v)
        return v

    return {k: num(v) for k, v in expected.items()}
