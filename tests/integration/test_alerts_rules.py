"""Each alert rule fires on the sample data (or crafted data), and clears when the condition goes away."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.integration.alerts_helpers import cleared_keys, evaluate, execute, open_keys

DAY = "2024-12-27"


def test_reject_rate_fires_per_day_and_clears(seeded_engine: Engine) -> None:
    # The seed's own alert has the rule's key: recognised, not raised twice.
    report = evaluate(seeded_engine, "reject_rate")
    assert report.fired == 0 and report.unchanged == 1
    assert open_keys(seeded_engine, "reject_rate") == {f"reject_rate:MCH-003:{DAY}": "High"}
    execute(
        seeded_engine,
        "UPDATE t_shift_log SET reject_qty = 6 WHERE log_dt = :d AND machine_id = "
        "(SELECT id FROM m_machine WHERE code = 'MCH-003')",
        d=DAY,
    )
    report = evaluate(seeded_engine, "reject_rate")
    assert report.cleared == 1 and open_keys(seeded_engine, "reject_rate") == {}
    assert f"reject_rate:MCH-003:{DAY}" in cleared_keys(seeded_engine)


def test_reject_rate_per_shift_inside_a_good_day(seeded_engine: Engine) -> None:
    # MCH-001: one bad shift (60 of 600 = 10 %) while the day stays under 5 %.
    execute(
        seeded_engine,
        "UPDATE t_shift_log SET output_qty = 600, reject_qty = CASE WHEN shift = '2' THEN 60 ELSE 0 END "
        "WHERE log_dt = :d AND machine_id = (SELECT id FROM m_machine WHERE code = 'MCH-001')",
        d=DAY,
    )
    evaluate(seeded_engine, "reject_rate")
    keys = open_keys(seeded_engine, "reject_rate:MCH-001")
    assert keys == {f"reject_rate:MCH-001:{DAY}:S2": "Critical"}  # 10 % = twice the threshold


def test_stock_fires_and_clears(seeded_engine: Engine) -> None:
    report = evaluate(seeded_engine, "stock")
    assert report.unchanged == 1  # the seed's ITM-005 oversold alert
    assert open_keys(seeded_engine, "stock") == {
        "stock_oversold:ITM-005:WH-B1": "Medium",
        "stock_low:ITM-003:WH-C1": "Low",
        "stock_low:ITM-004:WH-A1": "Low",
    }
    execute(seeded_engine, "UPDATE t_inv SET qty_on_hand = qty_reserved + min_qty + 1")
    report = evaluate(seeded_engine, "stock")
    assert report.cleared == 3 and open_keys(seeded_engine, "stock") == {}


def test_receivables_overdue_per_customer(seeded_engine: Engine) -> None:
    evaluate(seeded_engine, "ar_overdue")
    assert open_keys(seeded_engine, "ar_overdue:") == {
        "ar_overdue:CUST-001": "Medium",
        "ar_overdue:CUST-002": "Medium",
        "ar_overdue:CUST-004": "Medium",
    }
    execute(
        seeded_engine,
        "UPDATE t_ar SET paid_dt = :d, status = 'Paid' WHERE cust_id = (SELECT id FROM m_cust WHERE code = "
        "'CUST-001')",
        d=DAY,
    )
    evaluate(seeded_engine, "ar_overdue")
    assert "ar_overdue:CUST-001" not in open_keys(seeded_engine, "ar_overdue:")
    assert "ar_overdue:CUST-001" in cleared_keys(seeded_engine)


def test_cash_projected_negative_fires_and_clears(seeded_engine: Engine) -> None:
    report = evaluate(seeded_engine, "cash_negative")
    assert report.unchanged == 1 and open_keys(seeded_engine, "cash") == {"cash_negative": "Critical"}
    execute(
        seeded_engine,
        "INSERT INTO t_cash (txn_dt, acct, category, amt, status, created_at, updated_at) "
        "VALUES (:d, 'BANK', 'OTHER', 1000000000, 'Posted', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        d=DAY,
    )
    report = evaluate(seeded_engine, "cash_negative")
    assert report.cleared == 1 and open_keys(seeded_engine, "cash") == {}


def test_sla_breach_fires_and_clears(seeded_engine: Engine) -> None:
    evaluate(seeded_engine, "sla")
    assert open_keys(seeded_engine, "sla:") == {
        "sla:SO-202412-0002:Approval": "High",
        "sla:PO-202412-0002:Approval": "High",
    }
    execute(seeded_engine, "UPDATE log_sla SET completed_at = target_at WHERE completed_at IS NULL")
    report = evaluate(seeded_engine, "sla")
    assert report.cleared == 2 and open_keys(seeded_engine, "sla:") == {}


def test_work_order_behind_plan_fires_and_clears(seeded_engine: Engine) -> None:
    evaluate(seeded_engine, "wo_behind")
    assert open_keys(seeded_engine, "wo_behind") == {"wo_behind:WO-202412-0002": "Medium"}
    execute(seeded_engine, "UPDATE t_wo SET actual_qty = plan_qty WHERE doc_no = 'WO-202412-0002'")
    evaluate(seeded_engine, "wo_behind")
    assert open_keys(seeded_engine, "wo_behind") == {}


def test_maintenance_overdue_fires_and_clears(seeded_engine: Engine) -> None:
    evaluate(seeded_engine, "maint_overdue")
    assert open_keys(seeded_engine, "maint") == {"maint_overdue:MCH-002": "Medium"}
    execute(
        seeded_engine,
        "INSERT INTO t_maint (machine_id, maint_dt, maint_type, cost, downtime_min, created_at, updated_at) "
        "SELECT id, :d, 'Preventive', 0, 60, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM m_machine "
        "WHERE code = 'MCH-002'",
        d=DAY,
    )
    evaluate(seeded_engine, "maint_overdue")
    assert open_keys(seeded_engine, "maint") == {}


def test_po_waiting_for_approval_fires_and_clears(seeded_engine: Engine) -> None:
    evaluate(seeded_engine, "po_approval")
    # Pending since 2024-12-20: seven days against a three-day limit is more than twice the limit.
    assert open_keys(seeded_engine, "po_approval") == {"po_approval:PO-202412-0002": "High"}
    execute(seeded_engine, "UPDATE t_po SET status = 'Approved' WHERE doc_no = 'PO-202412-0002'")
    evaluate(seeded_engine, "po_approval")
    assert open_keys(seeded_engine, "po_approval") == {}
