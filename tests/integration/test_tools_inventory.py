"""inventory_status against independent SQL and the seed's stock facts (Motor DC 12V oversold by 200)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text

import agent.compose.inventory  # noqa: F401  (registers the composer)
import tools.inventory  # noqa: F401  (registers the tool)
from agent.compose.base import COMPOSERS, Style
from tests.integration.toolkit import RunTool, ok, rows
from textkit.format import qty
from tools.registry import ToolResult


@pytest.fixture
def default_role() -> str:
    """inventory_status is run as the warehouse staff unless a test names another role."""
    return "STAFF_WH"


@pytest.fixture
def run(run: RunTool) -> RunTool:
    """inventory_status as the warehouse staff (or another role): the tests pass only its arguments."""

    def call(args: dict[str, Any], role: str | None = None) -> ToolResult:
        return run("inventory_status", args, role)

    return call


def expected_stock(engine: Engine) -> dict[tuple[str, str], tuple[Decimal, Decimal, Decimal, str]]:
    """(item, warehouse) -> on hand, reserved, available, state; straight from t_inv."""
    found = rows(
        engine,
        "SELECT i.code, w.code, v.qty_on_hand, v.qty_reserved, v.min_qty FROM t_inv v "
        "JOIN m_item i ON i.id = v.item_id JOIN m_wh w ON w.id = v.wh_id "
        "WHERE v.deleted_at IS NULL AND i.deleted_at IS NULL AND w.deleted_at IS NULL",
    )
    out = {}
    for item, wh, on_hand, reserved, minimum in found:
        on_hand, reserved, minimum = (Decimal(str(x)) for x in (on_hand, reserved, minimum))
        available = on_hand - reserved
        state = "oversold" if available < 0 else "low" if available < minimum else "ok"
        out[(item, wh)] = (on_hand, reserved, available, state)
    return out


def test_every_row_matches_sql_and_the_seed(run: Any, seeded_engine: Engine) -> None:
    data = ok(run({}))
    got = {(r.item_code, r.wh_code): (r.qty_on_hand, r.qty_reserved, r.available, r.state) for r in data.rows}
    want = expected_stock(seeded_engine)
    assert got == want
    assert data.counts == {s: sum(1 for w in want.values() if w[3] == s) for s in ("oversold", "low", "ok")}
    assert data.counts == {"oversold": 1, "low": 2, "ok": 2} and data.count == 5
    motor = data.rows[0]  # problems first
    assert (motor.item_code, motor.item_name, motor.wh_code, motor.available, motor.state) == (
        "ITM-005",
        "Motor DC 12V",
        "WH-B1",
        -200,
        "oversold",
    )
    assert {r.item_code for r in data.rows if r.state == "low"} == {"ITM-003", "ITM-004"}
    assert "id" not in motor.model_dump() and "item_id" not in motor.model_dump()


def test_filters(run: Any) -> None:
    low = ok(run({"only": "low"}))
    assert [r.item_code for r in low.rows] == ["ITM-003", "ITM-004"] and low.count == 2
    assert low.counts["oversold"] == 1  # counts describe the whole selection, before `only`
    assert [r.item_code for r in ok(run({"only": "oversold"})).rows] == ["ITM-005"]
    in_b1 = ok(run({"warehouse": "WH-B1"}))
    assert sorted(r.item_code for r in in_b1.rows) == ["ITM-001", "ITM-005"]
    one = ok(run({"item": "ITM-002", "warehouse": "WH-A1"}))
    assert [(r.qty_on_hand, r.state, r.uom) for r in one.rows] == [(850, "ok", "KG")]
    assert ok(run({"item": "ITM-002", "only": "oversold"})).rows == []


def test_state_follows_the_warehouse(run: Any, seeded_engine: Engine) -> None:
    with seeded_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE t_inv SET qty_reserved = 0 "
                "WHERE item_id = (SELECT id FROM m_item WHERE code = 'ITM-005')"
            )
        )
        conn.execute(
            text(
                "UPDATE t_inv SET deleted_at = created_at "
                "WHERE wh_id = (SELECT id FROM m_wh WHERE code = 'WH-C1')"
            )
        )
    data = ok(run({}))
    assert data.counts == {"oversold": 0, "low": 1, "ok": 3}  # ITM-003 (WH-C1) is gone, the motor is fine
    assert ok(run({"item": "ITM-005"})).rows[0].available == 1800


def test_errors_and_permission(run: Any) -> None:
    assert run({"item": "ITM-999"}).error == "not_found"
    assert run({"warehouse": "WH-Z9"}).error == "not_found"
    assert run({"only": "high"}).error == "invalid_args"
    assert run({"sku": "ITM-001"}).error == "invalid_args"
    assert run({}, role="OPERATOR").error == "forbidden"
    assert run({}, role="STAFF_SALES").ok and run({}, role="DIRECTOR").ok


def test_composer_shows_the_figures(run: Any) -> None:
    data = ok(run({}))
    for style in [
        Style(lang, tier) for lang in ("id", "en") for tier in ("executive", "manager", "operator")
    ]:
        check_figures(data, style)


def check_figures(data: Any, style: Style) -> None:
    text_ = COMPOSERS["inventory_status"](data, style)
    lines = text_.splitlines()
    assert "1" in lines[0] and "2" in lines[0]  # the counts up front
    for r in data.rows:
        for figure in (
            qty(r.available, style.lang),
            qty(r.qty_on_hand, style.lang),
            qty(r.qty_reserved, style.lang),
        ):
            assert figure in text_
    assert qty(Decimal(-200), style.lang) in text_ and "Motor DC 12V" in lines[1]
    assert "Rp" not in text_ and "IDR" not in text_
    assert ("di bawah minimum" in text_) is (style.lang == "id")
    assert ("below minimum" in text_) is (style.lang == "en")


def test_composer_empty_answer(run: Any) -> None:
    data = ok(run({"item": "ITM-001", "only": "oversold"}))
    assert COMPOSERS["inventory_status"](data, Style("id", "manager")) == "Tidak ada stok oversold (ITM-001)."
    assert COMPOSERS["inventory_status"](data, Style("en", "manager")) == "No oversold stock (ITM-001)."
