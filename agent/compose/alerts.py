"""Composer of active_alerts: counts by severity first, then each alert, most severe first."""

from __future__ import annotations

from agent.compose.base import Style, composer
from agent.compose.sales_common import SEVERITY, capped, count, word
from tools.alerts import ActiveAlerts


@composer("active_alerts")
def compose_active_alerts(data: ActiveAlerts, style: Style) -> str:
    """'3 active alerts: 1 critical, 1 high, …' and one line per alert."""
    noun = count(data.total, "peringatan aktif", "active alert", style)
    if data.severity:
        noun += f" ({word(SEVERITY, data.severity, style)})"
    by_severity = ", ".join(
        f"{n} {word(SEVERITY, sev, style)}"
        for sev, n in (
            ("Critical", data.critical),
            ("High", data.high),
            ("Medium", data.medium),
            ("Low", data.low),
        )
    )
    if data.total == 0 and not data.severity:
        return style.t("*Tidak ada peringatan aktif.*", "*No active alerts.*")
    out = [f"*{noun}*" + (f": {by_severity}" if not data.severity else "")]
    if data.severity:
        out.append(style.t(f"Semua peringatan aktif: {by_severity}", f"All active alerts: {by_severity}"))
    rows = [
        f"[{word(SEVERITY, a.severity, style).capitalize()}] {a.module} {a.alert_type}: {a.message}"
        for a in data.alerts
    ]
    return "\n".join(out + capped(rows, data.total, style))
