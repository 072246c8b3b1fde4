"""The seeded warehouse holds the spec's sample data and everything derived from it agrees with it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text

from tests.conftest import TZ
from warehouse.seed.base import seed_base


def rows(engine: Engine, sql: str, **params: object) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def scalar(engine: Engine, sql: str, **params: object) -> object:
    return rows(engine, sql, **params)[0][0]


def test_spec_documents_and_customers(seeded_engine: Engine) -> None:
    so = rows(
        seeded_engine,
        "SELECT s.doc_no, c.name, s.order_dt, s.status FROM t_so s JOIN m_cust c "
        "ON c.id = s.cust_id WHERE s.doc_no LIKE 'SO-202412-%' ORDER BY s.doc_no",
    )
    assert [(r[0], r[1], str(r[2]), r[3]) for r in so] == [
        ("SO-202412-0001", "PT ABC Manufacturing", "2024-12-20", "Approved"),
        ("SO-202412-0002", "PT Maju Jaya", "2024-12-22", "Pending"),
        ("SO-202412-0003", "CV XYZ Trading", "2024-12-25", "Draft"),
        ("SO-202412-0004", "PT Global Tech", "2024-12-27", "Approved"),
    ]
    po = rows(
        seeded_engine,
        "SELECT doc_no, total_amt, status FROM t_po WHERE doc_no LIKE 'PO-202412-%' ORDER BY doc_no",
    )
    assert [(r[0], Decimal(str(r[1])), r[2]) for r in po] == [
        ("PO-202412-0001", Decimal(75_000_000), "Approved"),
        ("PO-202412-0002", Decimal(45_000_000), "Pending Director"),
        ("PO-202412-0003", Decimal(12_500_000), "Draft"),
    ]
    assert rows(
        seeded_engine,
        "SELECT d.doc_no, s.doc_no, d.status, e.name FROM t_do d JOIN t_so s ON s.id = d.so_id "
        "JOIN m_emp e ON e.id = d.driver_id WHERE d.doc_no LIKE 'DO-202412-%' ORDER BY 1",
    ) == [
        ("DO-202412-0001", "SO-202412-0001", "Delivered", "Pak Budi"),
        ("DO-202412-0002", "SO-202412-0004", "In Transit", "Pak Joko"),
    ]
    assert scalar(seeded_engine, "SELECT COUNT(*) FROM m_cust") == 5
    assert scalar(seeded_engine, "SELECT COUNT(*) FROM m_machine") == 3


def test_header_totals_equal_line_sums(seeded_engine: Engine) -> None:
    bad_so = rows(
        seeded_engine,
        "SELECT s.doc_no FROM t_so s JOIN t_so_detail d ON d.so_id = s.id "
        "GROUP BY s.id, s.doc_no, s.total_amt HAVING ABS(s.total_amt - SUM(d.line_amt)) > 0.001",
    )
    bad_po = rows(
        seeded_engine,
        "SELECT p.doc_no FROM t_po p JOIN t_po_detail d ON d.po_id = p.id "
        "GROUP BY p.id, p.doc_no, p.total_amt HAVING ABS(p.total_amt - SUM(d.line_amt)) > 0.001",
    )
    assert bad_so == [] and bad_po == []
    lines = rows(seeded_engine, "SELECT qty, unit_price, disc_pct, line_amt FROM t_so_detail")
    for qty, price, disc, amt in lines:
        expected = Decimal(str(qty)) * Decimal(str(price)) * (100 - Decimal(str(disc))) / 100
        assert Decimal(str(amt)) == expected.quantize(Decimal("0.01"))
    # SO-202412-0004: 2,000 motors at Rp 220,000 less 2 %.
    assert Decimal(
        str(scalar(seeded_engine, "SELECT total_amt FROM t_so WHERE doc_no = 'SO-202412-0004'"))
    ) == (Decimal(431_200_000))


def test_receivables_and_payables_follow_their_orders(seeded_engine: Engine) -> None:
    ar = rows(
        seeded_engine,
        "SELECT a.amt, s.total_amt, a.cust_id, s.cust_id, a.inv_dt, d.actual_dt, a.due_dt, "
        "c.pay_terms FROM t_ar a JOIN t_so s ON s.id = a.so_id JOIN m_cust c ON c.id = a.cust_id "
        "JOIN t_do d ON d.so_id = s.id",
    )
    assert ar
    for amt, total, cust, so_cust, inv_dt, delivered, due, terms in ar:
        assert (amt, cust, str(inv_dt)) == (total, so_cust, str(delivered))
        assert date.fromisoformat(str(due)) == date.fromisoformat(str(inv_dt)) + timedelta(days=terms)
    # Every delivered order that is not cancelled is invoiced; nothing undelivered is.
    assert (
        scalar(
            seeded_engine,
            "SELECT COUNT(*) FROM t_do d WHERE d.status = 'Delivered' AND NOT EXISTS "
            "(SELECT 1 FROM t_ar a WHERE a.so_id = d.so_id)",
        )
        == 0
    )
    ap = rows(seeded_engine, "SELECT a.amt, p.total_amt, p.status FROM t_ap a JOIN t_po p ON p.id = a.po_id")
    assert ap and all(amt == total and status == "Received" for amt, total, status in ap)
    overdue = rows(
        seeded_engine,
        "SELECT c.code, SUM(a.amt) FROM t_ar a JOIN m_cust c ON c.id = a.cust_id "
        "WHERE a.paid_dt IS NULL AND a.due_dt < :d GROUP BY c.code ORDER BY c.code",
        d=date(2024, 12, 27) - timedelta(days=30),
    )
    assert [(c, Decimal(str(v))) for c, v in overdue] == [
        ("CUST-001", Decimal(115_000_000)),
        ("CUST-002", Decimal(45_000_000)),
        ("CUST-004", Decimal(25_000_000)),
    ]


def test_stock_movements_net_to_on_hand(seeded_engine: Engine) -> None:
    inv = rows(
        seeded_engine,
        "SELECT i.code, w.code, t.qty_on_hand, t.qty_reserved, "
        "(SELECT COALESCE(SUM(CASE WHEN m.wh_to = t.wh_id THEN m.qty ELSE 0 END) - "
        "SUM(CASE WHEN m.wh_from = t.wh_id THEN m.qty ELSE 0 END), 0) FROM t_inv_move m "
        "WHERE m.item_id = t.item_id) FROM t_inv t JOIN m_item i ON i.id = t.item_id "
        "JOIN m_wh w ON w.id = t.wh_id ORDER BY i.code",
    )
    assert [(i, w, Decimal(str(oh)), Decimal(str(r))) for i, w, oh, r, _ in inv] == [
        ("ITM-001", "WH-B1", 2500, 500),
        ("ITM-002", "WH-A1", 850, 0),
        ("ITM-003", "WH-C1", 320, 100),
        ("ITM-004", "WH-A1", 150, 50),
        ("ITM-005", "WH-B1", 1800, 2000),
    ]
    assert all(Decimal(str(on_hand)) == Decimal(str(net)) for _, _, on_hand, _, net in inv)


def test_mch003_reject_rate_is_the_sample_alert(seeded_engine: Engine) -> None:
    out, rej = rows(
        seeded_engine,
        "SELECT SUM(s.output_qty), SUM(s.reject_qty) FROM t_shift_log s JOIN m_machine m "
        "ON m.id = s.machine_id WHERE m.code = 'MCH-003' AND s.log_dt = :d",
        d=date(2024, 12, 27),
    )[0]
    assert (Decimal(str(rej)) * 100 / Decimal(str(out))).quantize(Decimal("0.1")) == Decimal("8.5")
    others = rows(
        seeded_engine,
        "SELECT m.code, s.log_dt, s.shift, s.reject_qty * 100.0 / s.output_qty FROM "
        "t_shift_log s JOIN m_machine m ON m.id = s.machine_id "
        "WHERE NOT (m.code = 'MCH-003' AND s.log_dt = :d)",
        d=date(2024, 12, 27),
    )
    assert len(others) == 30 * 3 * 3 - 3
    assert max(r[3] for r in others) < 5  # only today's MCH-003 crosses the 5 % threshold
    assert "Reject rate MCH-003 = 8.5%" in str(
        scalar(seeded_engine, "SELECT message FROM ai_alert WHERE alert_type = 'ANOMALY'")
    )


def test_roles_permissions_and_users(seeded_engine: Engine) -> None:
    roles = {r[0] for r in rows(seeded_engine, "SELECT code FROM adm_role")}
    assert roles == {
        "SYSADMIN",
        "DIRECTOR",
        "MANAGER_SALES",
        "MANAGER_PROD",
        "STAFF_SALES",
        "STAFF_WH",
        "OPERATOR",
        "READONLY",
    }
    grants = rows(
        seeded_engine,
        "SELECT r.code, p.code FROM adm_role_permission rp JOIN adm_role r ON "
        "r.id = rp.role_id JOIN adm_permission p ON p.id = rp.permission_id",
    )
    by_role: dict[str, set[str]] = {}
    for role, perm in grants:
        by_role.setdefault(role, set()).add(perm)
    assert {"SO.READ", "PO.APPROVE", "FIN.READ", "AR.READ"} <= by_role["DIRECTOR"]
    assert "FIN.READ" not in by_role["OPERATOR"] and "AR.READ" not in by_role["OPERATOR"]
    assert {"WO.READ", "PROD.READ", "KB.READ"} <= by_role["OPERATOR"]
    assert "PO.APPROVE" not in by_role["MANAGER_SALES"] and "SO.APPROVE" in by_role["MANAGER_SALES"]
    assert not any(p.endswith((".CREATE", ".UPDATE", ".DELETE", ".APPROVE")) for p in by_role["READONLY"])
    users = rows(
        seeded_engine,
        "SELECT u.username, r.code, u.phone, u.is_active, u.wa_opt_in FROM adm_user u "
        "JOIN adm_role r ON r.id = u.role_id ORDER BY u.username",
    )
    assert ("director", "DIRECTOR") in [(u, r) for u, r, *_ in users]
    assert all(
        phone.startswith("+62") and phone[1:].isdigit() and len(phone) <= 16 for _, _, phone, _, _ in users
    )
    resigned = next(u for u in users if u[0] == "resigned")
    assert resigned[3] in (False, 0) and resigned[4] in (False, 0)
    # Menus follow permissions: operators get no finance menu.
    menus = {
        r[0]
        for r in rows(
            seeded_engine,
            "SELECT m.code FROM adm_role_menu rm JOIN adm_menu m ON "
            "m.id = rm.menu_id JOIN adm_role r ON r.id = rm.role_id "
            "WHERE r.code = 'OPERATOR'",
        )
    }
    assert "MENU_FIN" not in menus and "MENU_MACHINE" in menus


def test_sla_and_status_history(seeded_engine: Engine) -> None:
    breached = rows(
        seeded_engine,
        "SELECT l.entity_type, l.sla_type FROM log_sla l WHERE l.is_breached = :t ORDER BY 1, 2",
        t=True,
    )
    assert (
        ("SO", "Approval") in breached and ("PO", "Approval") in breached and ("DO", "Delivery") in breached
    )
    so2 = rows(
        seeded_engine,
        "SELECT l.completed_at, l.is_breached FROM log_sla l JOIN t_so s ON s.id = l.entity_id "
        "AND l.entity_type = 'SO' WHERE s.doc_no = 'SO-202412-0002'",
    )
    assert so2 == [(None, True)]  # waiting five days against a one-day approval target
    history = rows(
        seeded_engine,
        "SELECT l.old_status, l.new_status FROM log_status l JOIN t_so s ON "
        "s.id = l.entity_id AND l.entity_type = 'SO' WHERE s.doc_no = 'SO-202412-0001' "
        "ORDER BY l.changed_at",
    )
    assert history == [("Draft", "Pending"), ("Pending", "Approved")]


@pytest.mark.parametrize("today", [date(2025, 3, 1), date(2026, 11, 22)])
def test_nothing_happens_in_the_future(empty_engine: Engine, today: date) -> None:
    seed_base(empty_engine, today, TZ)
    checks = {
        "delivered": "SELECT MAX(actual_dt) FROM t_do",
        "invoiced": "SELECT MAX(inv_dt) FROM t_ar",
        "paid": "SELECT MAX(paid_dt) FROM t_ar",
        "paid_ap": "SELECT MAX(paid_dt) FROM t_ap",
        "moved": "SELECT MAX(move_dt) FROM t_inv_move",
        "logged": "SELECT MAX(log_dt) FROM t_shift_log",
        "posted": "SELECT MAX(txn_dt) FROM t_cash WHERE status = 'Posted'",
        "ordered": "SELECT MAX(order_dt) FROM t_so",
    }
    for name, sql in checks.items():
        assert date.fromisoformat(str(scalar(empty_engine, sql))) <= today, name


def test_seed_is_idempotent(seeded_engine: Engine, spec_today: date) -> None:
    before = scalar(seeded_engine, "SELECT COUNT(*) FROM t_so")
    assert seed_base(seeded_engine, spec_today, TZ) is False
    assert scalar(seeded_engine, "SELECT COUNT(*) FROM t_so") == before
