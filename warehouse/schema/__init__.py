"""All warehouse tables; importing this package registers every table on `Base.metadata`."""

from warehouse.schema.admin import (
    AdmMenu,
    AdmPermission,
    AdmRole,
    AdmRoleMenu,
    AdmRolePermission,
    AdmSession,
    AdmUser,
)
from warehouse.schema.ai import AiAlert, AiChat, AiInsight, AiRfm, AiVendorScore
from warehouse.schema.logs import LogAudit, LogSla, LogStatus
from warehouse.schema.master import MCust, MEmp, MItem, MMachine, MVendor, MWh
from warehouse.schema.transactions import (
    TAp,
    TAr,
    TCash,
    TDo,
    TInv,
    TInvMove,
    TMaint,
    TPo,
    TPoDetail,
    TQc,
    TShiftLog,
    TSo,
    TSoDetail,
    TWo,
)

__all__ = [
    "AdmMenu", "AdmPermission", "AdmRole", "AdmRoleMenu", "AdmRolePermission", "AdmSession", "AdmUser",
    "AiAlert", "AiChat", "AiInsight", "AiRfm", "AiVendorScore",
    "LogAudit", "LogSla", "LogStatus",
    "MCust", "MEmp", "MItem", "MMachine", "MVendor", "MWh",
    "TAp", "TAr", "TCash", "TDo", "TInv", "TInvMove", "TMaint", "TPo", "TPoDetail", "TQc",
    "TShiftLog", "TSo", "TSoDetail", "TWo",
]
