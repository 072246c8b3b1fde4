"""active_alerts and its composer: visibility by role, severity order and counts, against independent SQL
on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text

import agent.compose.alerts  # noqa: F401  (registers the composer)
import tools.alerts  # noqa: F401  (registers the tool)
from agent.compose.base import COMPOSERS, Style
from tests.integration.toolkit import ok, rows


def utc_text(engine: Engine, wall: str) -> str:
    """A UTC timestamp literal as each backend stores TIMESTAMPTZ (SQLite: naive UTC text)."""
    return f"{wall}:00" if engine.dialect.name == "sqlite" else f"{wall}:00+00:00"


ACTIVE = "FROM ai_alert WHERE cleared_at IS NULL AND is_read = :f"


def test_active_alerts_match_sql(run: Any, seeded_engine: Engine) -> None:
    data = ok(run("active_alerts", {}))
    expected = rows(seeded_engine, f"SELECT CAST(uuid AS VARCHAR(36)), severity {ACTIVE}", f=False)
    assert sorted(a.uuid.replace("-", "") for a in data.alerts) == sorted(
        str(r[0]).replace("-", "") for r in expected
    )
    assert [a.severity for a in data.alerts] == ["Critical", "High", "Medium"]
    assert (data.total, data.critical, data.high, data.medium, data.low) == (3, 1, 1, 1, 0)
    assert data.alerts[1].message == "Reject rate MCH-003 = 8.5% (threshold: 5%)"


@pytest.mark.parametrize(
    ("role", "modules"),
    [
        ("DIRECTOR", {"FIN", "WO", "WH"}),
        ("MANAGER_SALES", {"FIN", "WO", "WH"}),  # AR.READ opens FIN, WO.READ opens WO, INV.READ opens WH
        ("MANAGER_PROD", {"WO", "WH"}),
        ("STAFF_WH", {"WH"}),
        ("OPERATOR", {"WO"}),
    ],
)
def test_active_alerts_visible_by_role(run: Any, role: str, modules: set[str]) -> None:
    data = ok(run("active_alerts", {}, role=role))
    assert {a.module for a in data.alerts} == modules
    assert data.total == len(data.alerts)


def test_active_alerts_filter_order_and_everyone_modules(run: Any, seeded_engine: Engine) -> None:
    with seeded_engine.begin() as conn:  # a newer Critical alert of a module every alert reader sees
        conn.execute(
            text(
                "INSERT INTO ai_alert (uuid, module, alert_type, severity, message, channel, sent, is_read, "
                "ts) VALUES (:u, 'SYS', 'HEALTH', 'Critical', 'Model endpoint down', 'WA', :f, :f, :ts)"
            ),
            {
                "u": "0f0e0d0c-0b0a-4909-8807-060504030201",
                "f": False,
                "ts": utc_text(seeded_engine, "2024-12-27 05:00"),
            },
        )
    data = ok(run("active_alerts", {}))
    assert [a.message for a in data.alerts][:2] == ["Model endpoint down", "Saldo kas negatif dalam 7 hari"]
    critical = ok(run("active_alerts", {"severity": "Critical"}))
    assert (critical.total, critical.critical, critical.high) == (2, 2, 1)
    assert {a.severity for a in critical.alerts} == {"Critical"}
    assert [a.module for a in ok(run("active_alerts", {}, role="STAFF_WH")).alerts] == ["SYS", "WH"]
    assert run("active_alerts", {"severity": "Urgent"}).error == "invalid_args"
    assert run("active_alerts", {}, role="STAFF_SALES").error == "forbidden"  # no ALERT.READ


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("tier", ["executive", "manager", "operator"])
def test_alerts_composer(run: Any, lang: str, tier: str) -> None:
    style = Style(lang, tier)  # type: ignore[arg-type]
    text_ = COMPOSERS["active_alerts"](ok(run("active_alerts", {})), style)
    first = text_.splitlines()[0]
    assert first.startswith(style.t("*3 peringatan aktif*", "*3 active alerts*"))
    assert style.t("1 kritis", "1 critical") in first and style.t("0 rendah", "0 low") in first
    assert "Reject rate MCH-003 = 8.5% (threshold: 5%)" in text_ and "ITM-005 oversold (-200)" in text_
    assert text_.index("Saldo kas") < text_.index("Reject rate") < text_.index("oversold")
    one = COMPOSERS["active_alerts"](ok(run("active_alerts", {}, role="OPERATOR")), style)
    assert one.startswith(style.t("*1 peringatan aktif*", "*1 active alert*")) and "Saldo kas" not in one
