"""Collects stock movements and cash entries during seeding, then closes them against the spec's
balances: each item's moves net to its on-hand stock, posted cash sums to the balance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal as D

from warehouse.schema import MItem, MWh, TCash, TInv, TInvMove
from warehouse.seed.calendar import history_start
from warehouse.seed.context import SeedContext

CASH_ACCT = "BANK-BCA-OPS"


@dataclass
class Ledger:
    """Pending stock movements and cash entries of one seeding run."""

    moves: list[tuple[str, str | None, str | None, D, str, date, str | None]] = field(default_factory=list)
    cash_rows: list[tuple[date, D, str, str | None, str]] = field(default_factory=list)

    def stock_in(self, item: str, wh: str, qty: D, day: date, ref: str | None) -> None:
        """Goods received into a warehouse."""
        self.moves.append((item, None, wh, qty, "IN", day, ref))

    def stock_out(self, item: str, wh: str, qty: D, day: date, ref: str | None) -> None:
        """Goods issued from a warehouse."""
        self.moves.append((item, wh, None, qty, "OUT", day, ref))

    def cash(self, day: date, amt: D, category: str, ref: str | None, status: str = "Posted") -> None:
        """A cash book entry: positive in, negative out."""
        self.cash_rows.append((day, amt, category, ref, status))

    def net(self, item: str, wh: str) -> D:
        """Net quantity the recorded movements put into one item's warehouse."""
        total = D(0)
        for code, src, dst, qty, _kind, _day, _ref in self.moves:
            if code == item:
                total += qty if dst == wh else D(0)
                total -= qty if src == wh else D(0)
        return total


# item, warehouse, on hand, reserved, minimum (spec 1.8 B t_inv; minimum added for the low-stock rule)
STOCK = [
    ("ITM-001", "WH-B1", D(2500), D(500), D(1000)),
    ("ITM-002", "WH-A1", D(850), D(0), D(500)),
    ("ITM-003", "WH-C1", D(320), D(100), D(400)),
    ("ITM-004", "WH-A1", D(150), D(50), D(200)),
    ("ITM-005", "WH-B1", D(1800), D(2000), D(500)),
]

CASH_BALANCE = D(1_250_000_000)


def close_ledger(ctx: SeedContext, ledger: Ledger) -> None:
    """Write t_inv, t_inv_move and t_cash so that movements and entries agree with the balances."""
    opening = history_start(ctx.today)
    for item, wh, on_hand, _reserved, _minimum in STOCK:
        ledger.moves.insert(0, (item, None, wh, on_hand - ledger.net(item, wh), "ADJUST", opening, "OPENING"))
    last_move: dict[tuple[str, str], date] = defaultdict(lambda: opening)
    for item, src, dst, qty, kind, day, ref in ledger.moves:
        ctx.session.add(
            TInvMove(
                item_id=_id(ctx, item, MItem),
                wh_from=_wh(ctx, src),
                wh_to=_wh(ctx, dst),
                qty=qty,
                move_type=kind,
                move_dt=day,
                ref_doc=ref,
            )
        )
        for wh in filter(None, (src, dst)):
            last_move[(item, wh)] = max(last_move[(item, wh)], day)
    for item, wh, on_hand, reserved, minimum in STOCK:
        ctx.session.add(
            TInv(
                item_id=_id(ctx, item, MItem),
                wh_id=_id(ctx, wh, MWh),
                qty_on_hand=on_hand,
                qty_reserved=reserved,
                min_qty=minimum,
                last_move_dt=last_move[(item, wh)],
            )
        )
    posted = sum(
        (amt for day, amt, _c, _r, st in ledger.cash_rows if st == "Posted" and day <= ctx.today), D(0)
    )
    ledger.cash_rows.insert(0, (opening, CASH_BALANCE - posted, "OPENING", None, "Posted"))
    for day, amt, category, ref, status in ledger.cash_rows:
        ctx.session.add(
            TCash(txn_dt=day, acct=CASH_ACCT, category=category, amt=amt, ref_doc=ref, status=status)
        )
    ctx.session.flush()


def _id(ctx: SeedContext, code: str, kind: type[MItem] | type[MWh]) -> int:
    return ctx.get(code, kind).id


def _wh(ctx: SeedContext, code: str | None) -> int | None:
    return None if code is None else _id(ctx, code, MWh)
