"""Sales tools: order status, revenue summaries, top customers, late orders and pending approvals.

Each tool lives in a tools/sales_<part>.py module; importing this module registers them all.
"""

from __future__ import annotations

from tools.sales_approvals import PendingApprovals, pending_approvals
from tools.sales_late import LateOrders, late_orders
from tools.sales_status import SoStatus, so_status
from tools.sales_summary import SalesSummary, TopCustomers, sales_summary, top_customers

__all__ = [
    "LateOrders",
    "PendingApprovals",
    "SalesSummary",
    "SoStatus",
    "TopCustomers",
    "late_orders",
    "pending_approvals",
    "sales_summary",
    "so_status",
    "top_customers",
]
