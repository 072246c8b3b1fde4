"""Routing, quiet hours and phrasing of alerts, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from alerts.phrasing import message
from alerts.routing import QuietHours, Recipient, RoutingPolicy, may_hear
from alerts.rules import by_name
from alerts.types import Finding, Severity
from tools.registry import Caller

TZ = ZoneInfo("Asia/Jakarta")
POLICY = RoutingPolicy(min_severity="Medium", executive_min_severity="High")


def _person(perms: set[str], level: int = 10, lang: str = "en") -> Recipient:
    return Recipient(Caller("u", "ROLE", frozenset(perms | {"ALERT.READ"}), lang=lang, user_id=1), level)


def _finding(alert_type: str, module: str, severity: Severity = "High") -> Finding:
    return Finding(f"{alert_type}:x", "r", module, alert_type, severity, {})


def _local(hh: int, mm: int = 0) -> datetime:
    return datetime.combine(date(2024, 12, 27), time(hh, mm), TZ).astimezone(UTC)


@pytest.mark.parametrize(
    ("perms", "alert_type", "module", "heard"),
    [
        ({"PROD.READ"}, "REJECT_RATE", "PROD", True),
        ({"WO.READ"}, "REJECT_RATE", "PROD", False),  # may see the module, lacks the machine permission
        ({"AR.READ"}, "OVERDUE", "FIN", True),
        ({"AR.READ"}, "CASHFLOW", "FIN", False),  # cash goes to finance readers only
        ({"FIN.READ"}, "CASHFLOW", "FIN", True),
        ({"PO.READ"}, "PO_APPROVAL", "PO", False),  # only those who can approve
        ({"PO.READ", "PO.APPROVE"}, "PO_APPROVAL", "PO", True),
        ({"SO.READ"}, "SLA", "SO", True),
        ({"PO.READ"}, "SLA", "SO", False),
    ],
)
def test_permissions_decide_who_hears(perms: set[str], alert_type: str, module: str, heard: bool) -> None:
    assert may_hear(_person(perms), _finding(alert_type, module), POLICY) is heard


def test_severity_floors_per_tone() -> None:
    medium = _finding("STOCK", "INV", "Medium")
    assert may_hear(_person({"INV.READ"}, level=10), medium, POLICY)
    assert not may_hear(_person({"INV.READ"}, level=5), medium, POLICY)  # executive: High and up
    assert not may_hear(_person({"INV.READ"}), _finding("STOCK", "INV", "Low"), POLICY)


@pytest.mark.parametrize(
    ("hh", "severity", "expected"),
    [
        (15, "High", _local(15)),  # daytime: now
        (23, "High", datetime.combine(date(2024, 12, 28), time(6), TZ).astimezone(UTC)),
        (23, "Critical", _local(23)),  # critical override
        (3, "Medium", _local(6)),  # after midnight: the same morning
    ],
)
def test_quiet_hours_wrap_midnight(hh: int, severity: str, expected: datetime) -> None:
    quiet = QuietHours(time(21, 0), time(6, 0), TZ)
    assert quiet.send_at(_local(hh), severity) == expected


def test_phrasing_language_and_tone() -> None:
    finding = Finding(
        "cash_negative",
        "cash_negative",
        "FIN",
        "CASHFLOW",
        "Critical",
        {
            "balance_amt": Decimal("1250000000"),
            "lowest_amt": Decimal("-140000000"),
            "negative_dt": date(2025, 1, 2),
            "horizon_days": 7,
        },
    )
    text_id = message(finding, "id", "executive")
    assert text_id.startswith("[PERINGATAN KRITIS]") and "-Rp 140.000.000" in text_id
    assert "2 Januari 2025" in text_id and text_id.endswith("Balas untuk detail.")
    text_en = message(finding, "en", "manager")
    assert "IDR 1,250,000,000" in text_en and "2 January 2025" in text_en


def test_unknown_rule_names_are_rejected() -> None:
    assert [r.name for r in by_name(["stock", "sla"])] == ["stock", "sla"]
    with pytest.raises(ValueError, match="nope"):
        by_name(["nope"])
