"""Role code -> tone tier: one map shared by the composers (agent/compose) and the prompt files (prompts/)."""

from __future__ import annotations

from typing import Literal

Tier = Literal["executive", "manager", "operator"]

# Executives get money first (BLUF), managers detail, operators technical.
TIERS: dict[str, Tier] = {
    "DIRECTOR": "executive",
    "SYSADMIN": "executive",
    "READONLY": "manager",
    "MANAGER_SALES": "manager",
    "MANAGER_PROD": "manager",
    "STAFF_SALES": "manager",
    "STAFF_WH": "manager",
    "OPERATOR": "operator",
}


def tier_of(role: str) -> Tier:
    """The tier of a role code; a role not listed (a new one) reads as a manager."""
    return TIERS.get(role, "manager")
