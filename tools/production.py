"""Production tools: work order progress, machine performance and maintenance status.

Each tool lives in its own tools/production_*.py module; importing this module registers all three.
"""

from __future__ import annotations

from tools.production_machines import MachinePerfArgs, MachinePerfResult, machine_performance
from tools.production_maint import MaintStatusArgs, MaintStatusResult, maintenance_status
from tools.production_wo import WoProgressArgs, WoProgressResult, wo_progress

__all__ = [
    "MachinePerfArgs",
    "MachinePerfResult",
    "MaintStatusArgs",
    "MaintStatusResult",
    "WoProgressArgs",
    "WoProgressResult",
    "machine_performance",
    "maintenance_status",
    "wo_progress",
]
