"""log_audit is append-only in the application: no code path updates or deletes its rows."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("sentient", "agent", "channels", "tools", "warehouse", "alerts", "models", "retrieval", "eval")
FORBIDDEN = re.compile(
    r"(update|delete)\(\s*LogAudit|LogAudit\)?\.__table__\.(update|delete)|"
    r"(UPDATE|DELETE\s+FROM)\s+log_audit",
    re.IGNORECASE,
)


def test_no_update_or_delete_of_log_audit_in_app_code() -> None:
    offenders = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue  # the migration names UPDATE/DELETE only to refuse them
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if FORBIDDEN.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_pattern_catches_what_it_should() -> None:
    for line in (
        "s.execute(update(LogAudit).values(x=1))",
        "DELETE FROM log_audit WHERE 1",
        "delete(LogAudit)",
    ):
        assert FORBIDDEN.search(line), line
    assert not FORBIDDEN.search("s.add(LogAudit(action='LOGIN'))")
