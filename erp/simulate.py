"""`sentient erp demo simulate`: the ERP's users at work — orders, approvals, deliveries, payments, stock
moves, shift logs, work orders and their QC, maintenance, cash in and out, edits and soft deletes, some
rows touched twice in one second."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, func, insert, select, update

from erp.erpdb import erp_table
from erp.mapping import BY_NAME

CHANGES_PER_MINUTE = 12  # a mid-size plant's office: an order line, a shift log or a payment every few s
_T = {name: erp_table(t) for name, t in BY_NAME.items()}


class _Sim:
    """What the simulated users can act on, read once from the ERP and kept up to date as they act."""

    def __init__(self, conn: Connection, rng: random.Random, now: datetime) -> None:
        self.conn, self.rng, self.now, self.counts = conn, rng, now, Counter[str]()
        so, inv, st, ml = _T["sales_order"], _T["invoice"], _T["stock"], _T["machine_log"]
        self.orders = {
            r.so_no: r.so_status
            for r in conn.execute(select(so.c.so_no, so.c.so_status).where(so.c.deleted == 0))
        }
        self.open_inv = [
            r.inv_no for r in conn.execute(select(inv.c.inv_no).where(inv.c.paid_date.is_(None)))
        ]
        self.invoiced = {r.so_no for r in conn.execute(select(inv.c.so_no))}
        self.stock = [(r.item_code, r.loc_code) for r in conn.execute(select(st.c.item_code, st.c.loc_code))]
        self.custs = [r.cust_code for r in conn.execute(select(_T["customer"].c.cust_code))]
        self.items = {
            r.item_code: r.sell_price
            for r in conn.execute(
                select(_T["item"].c.item_code, _T["item"].c.sell_price).where(
                    _T["item"].c.sell_price.is_not(None)
                )
            )
        }
        self.machines = [r.mach_code for r in conn.execute(select(_T["machine"].c.mach_code))]
        last = conn.execute(select(func.max(ml.c.log_date))).scalar()
        self.log_day: date = last or now.date()
        self.log_slot = 0
        self.seq = conn.execute(select(func.count()).select_from(so)).scalar_one()
        wo = _T["work_order"]
        self.work_orders = {
            r.wo_no: r.wo_status
            for r in conn.execute(select(wo.c.wo_no, wo.c.wo_status).where(wo.c.deleted == 0))
        }
        # The ERP's own document ids (AUTO_INCREMENT in a real ERP): the next one per table.
        self.next_id = {
            name: (conn.execute(select(func.max(_T[name].c[col]))).scalar() or 0) + 1
            for name, col in (("stock_move", "move_id"), ("maint_job", "job_id"), ("qc_check", "qc_id"))
        }
        self.next_id["cash_txn"] = (conn.execute(select(func.max(_T["cash_txn"].c.txn_id))).scalar() or 0) + 1
        self.acct = conn.execute(select(_T["cash_txn"].c.bank_acct).limit(1)).scalar() or "BANK-OPS"

    def stamp(self) -> datetime:
        """The change time: the simulated clock moves on a second now and then (several rows share one)."""
        if self.rng.random() < 0.3:
            self.now += timedelta(seconds=1)
        return self.now

    def new_order(self) -> None:
        self.seq += 1
        so_no = f"SO-{self.now:%Y%m}-{9000 + self.seq:05d}"
        lines, total, ts = [], D(0), self.stamp()
        for n, item in enumerate(self.rng.sample(sorted(self.items), self.rng.randint(1, 3)), start=1):
            qty = D(self.rng.randint(1, 40) * 10)
            amount = (qty * self.items[item]).quantize(D("0.01"))
            total += amount
            lines.append(
                {
                    "so_no": so_no,
                    "line_no": n,
                    "item_code": item,
                    "qty": qty,
                    "price": self.items[item],
                    "disc_pct": D(0),
                    "amount": amount,
                    "last_modified": ts,
                    "deleted": 0,
                }
            )
        self.conn.execute(
            insert(_T["sales_order"]).values(
                so_no=so_no,
                cust_code=self.rng.choice(self.custs),
                order_date=self.now.date(),
                due_date=self.now.date() + timedelta(days=14),
                total_amount=total,
                disc_pct=D(0),
                so_status="D",
                approved_date=None,
                created=ts,
                last_modified=ts,
                deleted=0,
            )
        )
        self.conn.execute(insert(_T["so_line"]), lines)
        self.orders[so_no] = "D"
        self.counts["new order"] += 1 + len(lines)

    def move_order(self) -> None:
        nxt = {"D": "P", "P": "A", "A": "C"}
        movable = [s for s, st in self.orders.items() if st in nxt]
        if not movable:
            return self.new_order()
        so_no = self.rng.choice(movable)
        status = nxt[self.orders[so_no]]
        values: dict[str, Any] = {"so_status": status, "last_modified": self.stamp()}
        if status == "A":
            values["approved_date"] = self.now.date()
        self._update("sales_order", _T["sales_order"].c.so_no == so_no, values)
        self.orders[so_no] = status
        if status == "C" and so_no not in self.invoiced:
            self._invoice(so_no)
        self.counts["status move"] += 1

    def _invoice(self, so_no: str) -> None:
        so = self.conn.execute(select(_T["sales_order"]).where(_T["sales_order"].c.so_no == so_no)).one()
        inv_no = f"INV-{self.now:%Y%m}-{9000 + self.seq + len(self.invoiced):05d}"
        ts = self.stamp()
        self.conn.execute(
            insert(_T["invoice"]).values(
                inv_no=inv_no,
                so_no=so_no,
                cust_code=so.cust_code,
                inv_date=self.now.date(),
                amount=so.total_amount,
                due_date=self.now.date() + timedelta(days=30),
                paid_date=None,
                inv_status="O",
                last_modified=ts,
                deleted=0,
            )
        )
        self.invoiced.add(so_no)
        self.open_inv.append(inv_no)
        self.counts["invoice"] += 1

    def payment(self) -> None:
        if not self.open_inv:
            return self.move_order()
        inv_no = self.open_inv.pop(self.rng.randrange(len(self.open_inv)))
        self._update(
            "invoice",
            _T["invoice"].c.inv_no == inv_no,
            {"paid_date": self.now.date(), "inv_status": "P", "last_modified": self.stamp()},
        )
        amount = self.conn.execute(
            select(_T["invoice"].c.amount).where(_T["invoice"].c.inv_no == inv_no)
        ).scalar_one()
        self._cash("AR_RECEIPT", amount, inv_no)  # the money comes in on the bank account
        self.counts["payment"] += 1

    def cash_out(self) -> None:
        kind = self.rng.choice(("OPEX", "AP_PAYMENT", "OPEX"))
        self._cash(kind, -D(self.rng.randint(5, 400) * 100_000), None)
        self.counts["cash out"] += 1

    def _cash(self, kind: str, amount: D, ref: str | None) -> None:
        self.conn.execute(
            insert(_T["cash_txn"]).values(
                txn_id=self._next("cash_txn"),
                txn_date=self.now.date(),
                bank_acct=self.acct,
                txn_type=kind,
                amount=amount,
                ref_doc=ref,
                txn_status="P",
                remarks=None,
                last_modified=self.stamp(),
                deleted=0,
            )
        )

    def _next(self, table: str) -> int:
        self.next_id[table] += 1
        return self.next_id[table] - 1

    def new_work_order(self) -> None:
        self.seq += 1
        wo_no = f"WO-{self.now:%Y%m}-{9000 + self.seq:05d}"
        open_orders = sorted(s for s, st in self.orders.items() if st in ("A", "P"))
        self.conn.execute(
            insert(_T["work_order"]).values(
                wo_no=wo_no,
                item_code=self.rng.choice(sorted(self.items)),
                mach_code=self.rng.choice(self.machines),
                so_no=self.rng.choice(open_orders) if open_orders and self.rng.random() < 0.5 else None,
                start_date=self.now.date() + timedelta(days=1),
                end_date=self.now.date() + timedelta(days=5),
                plan_qty=D(self.rng.randint(5, 40) * 50),
                good_qty=D(0),
                reject_qty=D(0),
                wo_status="S",
                last_modified=self.stamp(),
                deleted=0,
            )
        )
        self.work_orders[wo_no] = "S"
        self.counts["new work order"] += 1

    def move_work_order(self) -> None:
        movable = sorted(w for w, st in self.work_orders.items() if st in ("S", "I"))
        if not movable:
            return self.new_work_order()
        wo_no = self.rng.choice(movable)
        wo = self.conn.execute(select(_T["work_order"]).where(_T["work_order"].c.wo_no == wo_no)).one()
        where = _T["work_order"].c.wo_no == wo_no
        if wo.wo_status == "S":
            values: dict[str, Any] = {"wo_status": "I", "start_date": self.now.date()}
            values["good_qty"] = (wo.plan_qty * D("0.4")).quantize(D(1))
        else:
            good = (wo.plan_qty * D(self.rng.randint(90, 100)) / 100).quantize(D(1))
            values = {"wo_status": "C", "end_date": self.now.date(), "good_qty": good}
            values["reject_qty"] = D(self.rng.randint(0, 20))
        self._update("work_order", where, {**values, "last_modified": self.stamp()})
        self.work_orders[wo_no] = values["wo_status"]
        if values["wo_status"] == "C":  # QC samples the output, and the good parts go into stock
            self._qc(wo_no)
            self._move(wo.item_code, None, self.rng.choice(self.stock)[1], values["good_qty"], "I", wo_no)
        self.counts["work order move"] += 1

    def _qc(self, wo_no: str) -> None:
        defects = D(self.rng.randint(0, 6))
        grade = "A" if defects < 2 else "B" if defects < 4 else self.rng.choice(("C", "R"))
        self.conn.execute(
            insert(_T["qc_check"]).values(
                qc_id=self._next("qc_check"),
                wo_no=wo_no,
                check_date=self.now.date(),
                sample_qty=D(50),
                defect_qty=defects,
                grade=grade,
                remarks=None,
                last_modified=self.stamp(),
                deleted=0,
            )
        )
        self.counts["qc result"] += 1

    def _move(self, item: str, src: str | None, dst: str | None, qty: D, kind: str, ref: str | None) -> None:
        self.conn.execute(
            insert(_T["stock_move"]).values(
                move_id=self._next("stock_move"),
                item_code=item,
                from_loc=src,
                to_loc=dst,
                qty=qty,
                move_type=kind,
                move_date=self.now.date(),
                ref_doc=ref,
                last_modified=self.stamp(),
                deleted=0,
            )
        )

    def maintenance(self) -> None:
        mach = self.rng.choice(self.machines)
        kind = "C" if self.rng.random() < 0.25 else "P"
        self.conn.execute(
            insert(_T["maint_job"]).values(
                job_id=self._next("maint_job"),
                mach_code=mach,
                job_date=self.now.date(),
                job_type=kind,
                cost=D(self.rng.randint(5, 60) * 100_000),
                downtime_min=self.rng.randint(30, 240),
                remarks="Breakdown repaired" if kind == "C" else "Scheduled preventive service",
                last_modified=self.stamp(),
                deleted=0,
            )
        )
        self._update(
            "machine",
            _T["machine"].c.mach_code == mach,
            {"last_service": self.now.date(), "last_modified": self.stamp()},
        )
        self.counts["maintenance"] += 1

    def stock_move(self) -> None:
        item, loc = self.rng.choice(self.stock)
        st = _T["stock"]
        where = (st.c.item_code == item) & (st.c.loc_code == loc)
        delta = D(self.rng.randint(-50, 60))
        if delta:  # the movement document behind the balance change
            out = delta < 0
            self._move(
                item, loc if out else None, None if out else loc, abs(delta), "O" if out else "I", None
            )
        ts = self.stamp()
        self._update(
            "stock",
            where,
            {
                "on_hand": func.greatest(st.c.on_hand + delta, 0),
                "last_move": self.now.date(),
                "last_modified": ts,
            },
        )
        if self.rng.random() < 0.2:  # a correction right after, in the same second
            self._update("stock", where, {"reserved": st.c.reserved + 1, "last_modified": ts})
            self.counts["same-second touch"] += 1
        self.counts["stock move"] += 1

    def shift_log(self) -> None:
        self.log_slot += 1
        if self.log_slot > 3 * len(self.machines):
            self.log_day, self.log_slot = self.log_day + timedelta(days=1), 1
        mach = self.machines[(self.log_slot - 1) % len(self.machines)]
        shift = str((self.log_slot - 1) // len(self.machines) + 1)
        out = D(self.rng.randint(600, 1200))
        self.conn.execute(
            insert(_T["machine_log"])
            .prefix_with("IGNORE")
            .values(
                mach_code=mach,
                log_date=self.log_day,
                shift_no=shift,
                emp_code=None,
                plan_min=480,
                output_qty=out,
                reject_qty=D(self.rng.randint(0, 40)),
                downtime_min=D(self.rng.randint(0, 60)),
                error_code=None,
                last_modified=self.stamp(),
                deleted=0,
            )
        )
        self.counts["shift log"] += 1

    def edit(self) -> None:
        cust = self.rng.choice(self.custs)
        self._update(
            "customer",
            _T["customer"].c.cust_code == cust,
            {"address": f"Jl. Baru {self.rng.randint(1, 200)}", "last_modified": self.stamp()},
        )
        self.counts["edit"] += 1

    def delete(self) -> None:
        drafts = [s for s, st in self.orders.items() if st == "D"]
        if not drafts:
            return self.new_order()
        so_no = self.rng.choice(drafts)
        ts = self.stamp()
        self._update("sales_order", _T["sales_order"].c.so_no == so_no, {"deleted": 1, "last_modified": ts})
        self._update("so_line", _T["so_line"].c.so_no == so_no, {"deleted": 1, "last_modified": ts})
        del self.orders[so_no]
        self.counts["soft delete"] += 1

    def _update(self, table: str, where: Any, values: dict[str, Any]) -> None:
        self.conn.execute(update(_T[table]).where(where).values(**values))


def simulate(
    engine: Engine, changes: int, tz: ZoneInfo, seed: int = 14, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Make about `changes` row changes, committed in small transactions; returns what was done, by kind."""
    rng = random.Random(seed)
    with engine.connect() as conn:
        sim = _Sim(conn, rng, datetime.now(tz).replace(tzinfo=None, microsecond=0))
        conn.commit()  # end the reads' implicit transaction: changes commit in batches below
        acts: list[tuple[Callable[[], None], int]] = [
            (sim.new_order, 3),
            (sim.move_order, 4),
            (sim.payment, 2),
            (sim.stock_move, 4),
            (sim.shift_log, 5),
            (sim.edit, 1),
            (sim.delete, 1),
            (sim.new_work_order, 1),
            (sim.move_work_order, 2),
            (sim.maintenance, 1),
            (sim.cash_out, 1),
        ]
        funcs, weights = zip(*acts, strict=True)
        done = 0
        while done < changes:
            with conn.begin():
                for _ in range(min(50, changes - done)):
                    rng.choices(funcs, weights)[0]()
                    done += 1
            if progress:
                progress(done)
    return dict(sim.counts)
