"""Finance tools: receivables, payables due and the cash position with its short projection.

Each tool lives in its own tools/finance_*.py module; importing this module registers all three.
"""

from __future__ import annotations

from tools.finance_ap import PayablesArgs, PayablesResult, payables_due
from tools.finance_ar import ReceivablesArgs, ReceivablesResult, receivables
from tools.finance_cash import CashArgs, CashResult, cash_position

__all__ = [
    "CashArgs",
    "CashResult",
    "PayablesArgs",
    "PayablesResult",
    "ReceivablesArgs",
    "ReceivablesResult",
    "cash_position",
    "payables_due",
    "receivables",
]
