"""Production tools (wo_progress, machine_performance, maintenance_status) against independent SQL."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text

import agent.compose.production  # noqa: F401  (registers the composers)
import tools.production  # noqa: F401  (registers the tools)
from agent.compose.base import COMPOSERS, Style
from tests.integration.toolkit import amount, as_date, ok, rows
from textkit.format import day, money, pct, qty


def pct1(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if not whole else (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@pytest.fixture
def default_role() -> str:
    """Tools run as the production manager unless a test names another role."""
    return "MANAGER_PROD"


# --- wo_progress -------------------------------------------------------------------------------------------


def expected_orders(engine: Engine, today: date, where: str = "", **params: Any) -> dict[str, dict[str, Any]]:
    """Every figure of wo_progress re-derived from raw rows."""
    found = rows(
        engine,
        "SELECT w.doc_no, w.plan_qty, w.actual_qty, w.reject_qty, w.start_dt, w.end_dt, w.status, "
        "i.code, m.code, s.doc_no FROM t_wo w JOIN m_item i ON i.id = w.item_id "
        "JOIN m_machine m ON m.id = w.machine_id LEFT JOIN t_so s ON s.id = w.so_id "
        f"WHERE w.deleted_at IS NULL {where}",
        **params,
    )
    out = {}
    for doc, plan, actual, reject, start, end, status, item, machine, so in found:
        start, end = as_date(start), as_date(end)
        plan, actual, reject = (
            amount(plan, cents=False),
            amount(actual, cents=False),
            amount(reject, cents=False),
        )
        elapsed = min(max((today - start).days, 0), (end - start).days)
        expected = pct1(Decimal(elapsed), Decimal((end - start).days))
        progress = pct1(actual, plan)
        assert progress is not None and expected is not None
        out[doc] = {
            "progress_pct": progress,
            "expected_pct": expected,
            "behind": (status == "In Progress" and progress < expected - 5)
            or (end < today and status != "Completed"),
            "reject_rate_pct": pct1(reject, actual + reject),
            "item_code": item,
            "machine_code": machine,
            "so_doc_no": so,
            "status": status,
        }
    return out


def _picked(order: Any) -> dict[str, Any]:
    return {
        k: getattr(order, k)
        for k in (
            "progress_pct",
            "expected_pct",
            "behind",
            "reject_rate_pct",
            "item_code",
            "machine_code",
            "so_doc_no",
            "status",
        )
    }


def test_open_work_orders_match_sql_and_seed(run: Any, seeded_engine: Engine, spec_today: date) -> None:
    data = ok(run("wo_progress", {}))
    want = expected_orders(seeded_engine, spec_today, "AND w.status IN ('Scheduled', 'In Progress')")
    assert {o.doc_no: _picked(o) for o in data.orders} == want
    assert data.count == len(want) == 2
    wo2 = next(o for o in data.orders if o.doc_no == "WO-202412-0002")
    assert (wo2.item_name, wo2.machine_code, wo2.plan_qty, wo2.actual_qty) == (
        "Assembly Kit B",
        "MCH-002",
        500,
        320,
    )
    assert wo2.behind and wo2.progress_pct == Decimal("64.0") and data.behind_count == 1
    assert "id" not in wo2.model_dump() and str(wo2.uuid)


def test_one_work_order_by_number_whatever_its_status(
    run: Any, seeded_engine: Engine, spec_today: date
) -> None:
    done = ok(run("wo_progress", {"doc_no": "WO-202412-0001"}))
    assert [o.status for o in done.orders] == ["Completed"] and not done.orders[0].behind
    linked = ok(run("wo_progress", {"doc_no": "WO-202412-0003"})).orders[0]
    assert (
        linked.so_doc_no
        == rows(
            seeded_engine,
            "SELECT s.doc_no FROM t_wo w JOIN t_so s ON s.id = w.so_id WHERE w.doc_no = 'WO-202412-0003'",
        )[0][0]
    )
    every = ok(run("wo_progress", {"status": "all", "machine": "MCH-001"}))
    assert [o.doc_no for o in every.orders] == ["WO-202412-0001"]
    assert ok(run("wo_progress", {"machine": "MCH-001"})).orders == []  # its only order is completed


def test_order_past_its_end_is_behind(run: Any, seeded_engine: Engine, spec_today: date) -> None:
    with seeded_engine.begin() as conn:
        conn.execute(
            text("UPDATE t_wo SET end_dt = :d WHERE doc_no = 'WO-202412-0002'"),
            {"d": spec_today - timedelta(1)},
        )
    order = ok(run("wo_progress", {"doc_no": "WO-202412-0002"})).orders[0]
    assert order.behind and order.expected_pct == Decimal("100.0")
    with seeded_engine.begin() as conn:  # completed orders are never behind, even when they ended late
        conn.execute(text("UPDATE t_wo SET status = 'Completed' WHERE doc_no = 'WO-202412-0002'"))
    assert not ok(run("wo_progress", {"doc_no": "WO-202412-0002"})).orders[0].behind


def test_work_order_errors(run: Any) -> None:
    assert run("wo_progress", {"doc_no": "WO-202412-0099"}).error == "not_found"
    assert run("wo_progress", {"machine": "MCH-999"}).error == "not_found"
    assert run("wo_progress", {"status": "late"}).error == "invalid_args"
    assert run("wo_progress", {"doc_no": "SO-2024-1"}).error == "invalid_args"
    assert run("wo_progress", {}, role="STAFF_SALES").error == "forbidden"
    assert run("wo_progress", {}, role="OPERATOR").ok


# --- machine_performance -----------------------------------------------------------------------------------


def expected_performance(engine: Engine, start: date, end: date) -> dict[str, dict[str, Any]]:
    """Per active machine: sums, rates and OEE from raw shift logs, written apart from the tool."""
    sums = rows(
        engine,
        "SELECT m.code, SUM(s.output_qty), SUM(s.reject_qty), SUM(s.downtime_min), "
        "SUM(m.cap_per_hr * s.plan_min), COUNT(*) FROM t_shift_log s JOIN m_machine m ON m.id = s.machine_id "
        "WHERE s.log_dt >= :a AND s.log_dt <= :b AND s.deleted_at IS NULL AND m.deleted_at IS NULL "
        "GROUP BY m.code",
        a=start,
        b=end,
    )
    errors = rows(
        engine,
        "SELECT m.code, s.error_code, COUNT(*) FROM t_shift_log s JOIN m_machine m ON m.id = s.machine_id "
        "WHERE s.log_dt >= :a AND s.log_dt <= :b AND s.deleted_at IS NULL AND s.error_code IS NOT NULL "
        "GROUP BY m.code, s.error_code",
        a=start,
        b=end,
    )
    out: dict[str, dict[str, Any]] = {}
    for code, output, reject, down, ideal_min, shifts in sums:
        output, reject = amount(output, cents=False), amount(reject, cents=False)
        out[code] = {
            "output_qty": output,
            "reject_qty": reject,
            "reject_rate_pct": pct1(reject, output),
            "downtime_min": amount(down, cents=False),
            "oee_pct": pct1((output - reject) * 60, amount(ideal_min, cents=False)),
            "shifts": shifts,
            "errors": {e: n for c, e, n in errors if c == code},
        }
    return out


def _perf(m: Any) -> dict[str, Any]:
    return {
        "output_qty": m.output_qty,
        "reject_qty": m.reject_qty,
        "reject_rate_pct": m.reject_rate_pct,
        "downtime_min": m.downtime_min,
        "oee_pct": m.oee_pct,
        "shifts": m.shifts,
        "errors": {e.code: e.count for e in m.error_codes},
    }


def test_today_matches_sql_and_the_mch003_alert(run: Any, seeded_engine: Engine, spec_today: date) -> None:
    day_ = spec_today.isoformat()
    data = ok(run("machine_performance", {"start": day_, "end": day_, "label": "hari ini"}))
    assert {m.code: _perf(m) for m in data.machines} == expected_performance(
        seeded_engine, spec_today, spec_today
    )
    mch3 = next(m for m in data.machines if m.code == "MCH-003")
    assert (mch3.output_qty, mch3.reject_qty, mch3.reject_rate_pct) == (1800, 153, Decimal("8.5"))
    assert [e.code for e in mch3.error_codes] == ["E-410"] and mch3.above_threshold
    assert data.above_threshold == ["MCH-003"] and data.label == "hari ini"
    assert mch3.by_shift == []  # only when asked


def test_month_and_plant_total_match_sql(run: Any, seeded_engine: Engine, spec_today: date) -> None:
    start = spec_today.replace(day=1)
    data = ok(run("machine_performance", {"start": start.isoformat(), "end": spec_today.isoformat()}))
    want = expected_performance(seeded_engine, start, spec_today)
    assert {m.code: _perf(m) for m in data.machines} == want
    for m in data.machines:  # most frequent error code first
        assert [e.count for e in m.error_codes] == sorted((e.count for e in m.error_codes), reverse=True)
    output = sum(w["output_qty"] for w in want.values())
    reject = sum(w["reject_qty"] for w in want.values())
    ideal = rows(
        seeded_engine,
        "SELECT SUM(m.cap_per_hr * s.plan_min) FROM t_shift_log s JOIN m_machine m ON m.id = s.machine_id "
        "WHERE s.log_dt >= :a AND s.log_dt <= :b AND s.deleted_at IS NULL",
        a=start,
        b=spec_today,
    )[0][0]
    assert (data.total.output_qty, data.total.reject_qty) == (output, reject)
    assert data.total.reject_rate_pct == pct1(reject, output)
    assert data.total.oee_pct == pct1((output - reject) * 60, amount(ideal, cents=False))
    assert sum(Counter({e.code: e.count for e in data.total.error_codes}).values()) == sum(
        sum(w["errors"].values()) for w in want.values()
    )


def test_by_shift_rows(run: Any, seeded_engine: Engine, spec_today: date) -> None:
    day_ = spec_today.isoformat()
    data = ok(
        run("machine_performance", {"start": day_, "end": day_, "machine": "MCH-003", "by_shift": True})
    )
    [mch3] = data.machines
    per_shift = rows(
        seeded_engine,
        "SELECT s.shift, SUM(s.output_qty), SUM(s.reject_qty), SUM(s.downtime_min) FROM t_shift_log s "
        "JOIN m_machine m ON m.id = s.machine_id WHERE m.code = 'MCH-003' AND s.log_dt = :d "
        "AND s.deleted_at IS NULL GROUP BY s.shift ORDER BY s.shift",
        d=spec_today,
    )
    assert [(s.shift, s.output_qty, s.reject_qty, s.downtime_min) for s in mch3.by_shift] == [
        (sh, amount(o, cents=False), amount(r, cents=False), amount(d, cents=False))
        for sh, o, r, d in per_shift
    ]
    assert [s.reject_rate_pct for s in mch3.by_shift] == [Decimal("8.5")] * 3
    assert data.total.by_shift == mch3.by_shift


def test_retired_machines_only_when_named(run: Any, seeded_engine: Engine, spec_today: date) -> None:
    with seeded_engine.begin() as conn:
        conn.execute(text("UPDATE m_machine SET deleted_at = created_at WHERE code = 'MCH-001'"))
    args = {"start": (spec_today - timedelta(6)).isoformat(), "end": spec_today.isoformat()}
    assert [m.code for m in ok(run("machine_performance", args)).machines] == ["MCH-002", "MCH-003"]
    named = ok(run("machine_performance", {**args, "machine": "MCH-001"}))
    assert [m.code for m in named.machines] == ["MCH-001"] and named.machines[0].shifts == 21


def test_machine_performance_errors(run: Any, spec_today: date) -> None:
    day_ = spec_today.isoformat()
    assert run("machine_performance", {"start": day_, "end": day_, "machine": "MCH-404"}).error == "not_found"
    bad = run("machine_performance", {"start": day_, "end": (spec_today - timedelta(1)).isoformat()})
    assert bad.error == "invalid_args"
    assert run("machine_performance", {"start": day_, "end": day_, "shift": 1}).error == "invalid_args"
    assert run("machine_performance", {"start": day_, "end": day_}, role="MANAGER_SALES").error == "forbidden"


def test_no_logs_in_period(run: Any) -> None:
    data = ok(run("machine_performance", {"start": "2020-01-01", "end": "2020-01-31"}))
    assert all(m.shifts == 0 and m.oee_pct is None and m.reject_rate_pct is None for m in data.machines)
    assert "2020" in COMPOSERS["machine_performance"](data, Style("en", "manager"))


# --- maintenance_status ------------------------------------------------------------------------------------


def test_maintenance_matches_sql_and_mch002_is_overdue(
    run: Any, seeded_engine: Engine, spec_today: date
) -> None:
    data = ok(run("maintenance_status", {}))
    last = rows(
        seeded_engine,
        "SELECT m.code, m.maint_int_days, MAX(t.maint_dt) FROM m_machine m "
        "JOIN t_maint t ON t.machine_id = m.id WHERE t.maint_type = 'Preventive' "
        "AND t.deleted_at IS NULL AND m.deleted_at IS NULL "
        "GROUP BY m.code, m.maint_int_days",
    )
    want = {}
    for code, interval, last_dt in last:
        due = as_date(last_dt) + timedelta(days=interval)
        want[code] = (as_date(last_dt), due, (due - spec_today).days)
    assert {m.code: (m.last_preventive_dt, m.next_due_dt, m.days_until_due) for m in data.machines} == want
    mch2 = next(m for m in data.machines if m.code == "MCH-002")
    assert (mch2.last_preventive_dt, mch2.maint_int_days, mch2.days_until_due) == (date(2024, 11, 7), 45, -5)
    assert mch2.overdue and data.overdue == ["MCH-002"]


def test_recent_jobs_are_the_five_newest(run: Any, seeded_engine: Engine, spec_today: date) -> None:
    with seeded_engine.begin() as conn:
        mid = conn.execute(text("SELECT id FROM m_machine WHERE code = 'MCH-001'")).scalar()
        for k in range(1, 7):
            conn.execute(
                text(
                    "INSERT INTO t_maint (machine_id, maint_dt, maint_type, cost, downtime_min, notes) "
                    "VALUES (:m, :d, 'Corrective', 100000, 30, 'fix')"
                ),
                {"m": mid, "d": spec_today - timedelta(days=k)},
            )
        conn.execute(  # a soft-deleted job never shows
            text("UPDATE t_maint SET deleted_at = created_at WHERE machine_id = :m AND maint_dt = :d"),
            {"m": mid, "d": spec_today - timedelta(days=1)},
        )
    [mch1] = ok(run("maintenance_status", {"machine": "MCH-001"})).machines
    assert [j.maint_dt for j in mch1.recent_jobs] == [spec_today - timedelta(days=k) for k in range(2, 7)]
    assert mch1.last_preventive_dt == date(2024, 12, 7)  # corrective jobs do not reset the schedule


def test_maintenance_errors(run: Any) -> None:
    assert run("maintenance_status", {"machine": "MCH-404"}).error == "not_found"
    assert run("maintenance_status", {"machine": "mch 1"}).error == "invalid_args"
    assert run("maintenance_status", {}, role="STAFF_WH").error == "forbidden"
    assert run("maintenance_status", {}, role="OPERATOR").ok


# --- composers ---------------------------------------------------------------------------------------------

STYLES = [Style(lang, tier) for lang in ("id", "en") for tier in ("executive", "manager", "operator")]


def test_composers_show_the_figures(run: Any, spec_today: date) -> None:
    """Every tier and language, on one seeded warehouse."""
    day_ = spec_today.isoformat()
    results = {
        "wo": ok(run("wo_progress", {"doc_no": "WO-202412-0002"})),
        "wo_list": ok(run("wo_progress", {})),
        "perf": ok(run("machine_performance", {"start": day_, "end": day_, "label": "hari ini"})),
        "maint": ok(run("maintenance_status", {})),
        "maint_one": ok(run("maintenance_status", {"machine": "MCH-003"})),
    }
    for style in STYLES:
        check_figures(results, style)


def check_figures(results: dict[str, Any], style: Style) -> None:
    lang, wo = style.lang, results["wo"]
    text_ = COMPOSERS["wo_progress"](wo, style)
    for figure in (pct(Decimal("64.0"), lang), pct(Decimal("75.0"), lang), qty(320, lang), qty(500, lang)):
        assert figure in text_
    listing = COMPOSERS["wo_progress"](results["wo_list"], style)
    assert "WO-202412-0002" in listing and "WO-202412-0003" in listing

    perf = results["perf"]
    text_ = COMPOSERS["machine_performance"](perf, style)
    assert "MCH-003" in text_.splitlines()[0]  # bottom line up front: the machine over the threshold
    for m in perf.machines:
        for figure in (pct(m.reject_rate_pct, lang), pct(m.oee_pct, lang), qty(m.output_qty, lang)):
            assert figure in text_
    assert pct(perf.total.oee_pct, lang) in text_
    if style.tier != "executive":
        assert "E-410" in text_

    text_ = COMPOSERS["maintenance_status"](results["maint"], style)
    assert "MCH-002" in text_.splitlines()[0] and day(date(2024, 12, 22), lang) in text_
    one = COMPOSERS["maintenance_status"](results["maint_one"], style)
    has_money = money(2_500_000, lang) in one
    assert has_money is (style.tier != "operator")
    assert ("Rp" in one or "IDR" in one) is (style.tier != "operator")


def test_composers_speak_the_language(run: Any, spec_today: date) -> None:
    day_ = spec_today.isoformat()
    perf = ok(run("machine_performance", {"start": day_, "end": day_}))
    assert "Reject di atas batas 5,0%" in COMPOSERS["machine_performance"](perf, Style("id", "executive"))
    assert "Reject rate above 5.0%" in COMPOSERS["machine_performance"](perf, Style("en", "executive"))
    wo = ok(run("wo_progress", {}))
    assert "terlambat" in COMPOSERS["wo_progress"](wo, Style("id", "manager"))
    assert "behind" in COMPOSERS["wo_progress"](wo, Style("en", "manager"))
    maint = ok(run("maintenance_status", {}))
    assert "TERLAMBAT 5 hari" in COMPOSERS["maintenance_status"](maint, Style("id", "operator"))
    assert "OVERDUE by 5 days" in COMPOSERS["maintenance_status"](maint, Style("en", "operator"))
