"""Cash book entries that are not receipts or payments of invoices: payroll, tax and running costs."""

from __future__ import annotations

from decimal import Decimal as D

from warehouse.seed.calendar import in_month, month_end
from warehouse.seed.context import SeedContext
from warehouse.seed.ledger import Ledger

PAYROLL = D(850_000_000)
OPEX = D(120_000_000)
TAX = D(420_000_000)


def seed_cash_plan(ctx: SeedContext, ledger: Ledger) -> None:
    """Past payroll and costs (posted) and the coming week's payroll and tax (planned).

    The planned outflows with the payables due this week take the projected balance below zero within
    seven days: the spec's CASHFLOW alert.
    """
    for back in (3, 2, 1):
        ledger.cash(in_month(ctx.today, back, 15), -OPEX, "OPEX", None)
        ledger.cash(month_end(ctx.today, back), -PAYROLL, "PAYROLL", None)
    ledger.cash(ctx.day(5), -PAYROLL, "PAYROLL", None, status="Planned")
    ledger.cash(ctx.day(6), -TAX, "TAX", "PPN + PPh 21", status="Planned")
