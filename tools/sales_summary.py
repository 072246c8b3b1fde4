"""sales_summary and top_customers: booked revenue over a period, compared, grouped and ranked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, Select, distinct, func, select
from sqlalchemy.orm import Session

from semantic.compiler import Compiler
from semantic.picker import RollupPicker
from semantic.query import Query, Span
from tools.common import Code, Limit, Period
from tools.money import Money, Percent
from tools.registry import REGISTRY, Caller, ToolContext
from tools.sales_base import booked, customer_ref, growth_pct, item_ref, money, previous_period, share_pct
from warehouse.schema import MCust, MItem, TSo, TSoDetail

SEGMENTS = ("VIP", "Regular")  # the customer segments of m_cust (spec: VIP gets priority handling)
MAX_GROUPS = 50  # WhatsApp answers show a dozen; the rest is counted in group_count
ROLLUPS = RollupPicker()  # stateless: freshness is read per query


class SalesSummaryArgs(Period):
    """A period, optionally filtered by customer, item or segment and grouped."""

    model_config = ConfigDict(extra="forbid")
    group_by: Literal["customer", "item", "segment"] | None = None
    customer: Code | None = None
    item: Code | None = None
    segment: Literal["VIP", "Regular"] | None = None  # SEGMENTS


class PeriodTotal(BaseModel):
    """Revenue of the comparison period."""

    start: date
    end: date
    total: Money


class SalesGroup(BaseModel):
    """Revenue of one customer, item or segment."""

    code: str
    name: str
    amount: Money
    orders: int


class SalesSummary(BaseModel):
    """Booked revenue of a period against the previous one, with optional groups."""

    period: Period
    customer: str | None
    customer_name: str | None
    item: str | None
    item_name: str | None
    segment: str | None
    basis: Literal["order_total", "line_amt"]  # line amounts when an item is asked about
    total: Money
    orders: int
    previous: PeriodTotal
    growth_pct: Percent | None
    group_by: str | None
    groups: list[SalesGroup]
    group_count: int


class _Scope:
    """The rows one summary adds up: orders booked in a period, narrowed by the question's filters."""

    def __init__(self, session: Session, args: SalesSummaryArgs) -> None:
        self.lines = args.item is not None or args.group_by == "item"
        self.order_where: list[ColumnElement[bool]] = []
        self.line_where: list[ColumnElement[bool]] = []
        self.customer_name: str | None = None
        self.item_name: str | None = None
        if args.customer:
            cust_id, self.customer_name = customer_ref(session, args.customer)
            self.order_where.append(TSo.cust_id == cust_id)
        if args.item:
            item_id, self.item_name = item_ref(session, args.item)
            self.line_where.append(TSoDetail.item_id == item_id)
        if args.segment:
            segment_ids = select(MCust.id).where(MCust.segment == args.segment, MCust.deleted_at.is_(None))
            self.order_where.append(TSo.cust_id.in_(segment_ids))

    @property
    def amount(self) -> Any:
        return TSoDetail.line_amt if self.lines else TSo.total_amt

    @property
    def orders(self) -> Any:
        """Orders counted per row of t_so, or DISTINCT once lines are joined (an order spans several)."""
        return func.count(distinct(TSoDetail.so_id)) if self.lines else func.count()

    def select(self, start: date, end: date, *columns: Any) -> Select[Any]:
        """`columns` over the scope's orders (and lines) in [start, end]."""
        query = select(*columns).select_from(TSo)
        if self.lines:
            query = query.join(TSoDetail, TSoDetail.so_id == TSo.id).where(TSoDetail.deleted_at.is_(None))
        return query.where(*booked(start, end), *self.order_where, *self.line_where)

    def total(self, session: Session, start: date, end: date) -> tuple[Decimal, int]:
        """Revenue and number of orders in [start, end]."""
        if self.lines and not self.line_where:
            # Every booked order's lines count: count the orders on t_so itself, since a DISTINCT over a
            # year of lines costs seconds at scale.
            amount = session.scalar(self.select(start, end, func.coalesce(func.sum(self.amount), 0)))
            orders = session.scalar(select(func.count()).where(*booked(start, end), *self.order_where))
            return money(amount), int(orders or 0)
        row = session.execute(
            self.select(start, end, func.coalesce(func.sum(self.amount), 0), self.orders)
        ).one()
        return money(row[0]), int(row[1])


def _groups(session: Session, scope: _Scope, args: SalesSummaryArgs) -> tuple[list[SalesGroup], int]:
    """Every group's revenue, largest first; the first MAX_GROUPS are kept, all are counted."""
    if args.group_by is None:
        return [], 0
    amount = func.sum(scope.amount).label("amount")
    if args.group_by == "segment":
        seg = MCust.segment
        query = scope.select(args.start, args.end, seg, seg, amount, scope.orders).join(
            MCust, MCust.id == TSo.cust_id
        )
        rows: list[Any] = list(session.execute(query.group_by(seg).order_by(amount.desc(), seg)).all())
        # Every segment is shown, a quiet one at zero: "VIP vs Regular" must never answer with VIP alone.
        if args.segment is None:
            rows += [(s, s, Decimal(0), 0) for s in SEGMENTS if s not in {r[0] for r in rows}]
    else:
        # Aggregate on the integer key first and name the groups after: grouping a year of lines by
        # code and name text costs several times more at scale.
        master, key = (MItem, TSoDetail.item_id) if args.group_by == "item" else (MCust, TSo.cust_id)
        agg = (
            scope.select(args.start, args.end, key.label("key"), amount, scope.orders.label("orders"))
            .group_by(key)
            .subquery()
        )
        rows = list(
            session.execute(
                select(master.code, master.name, agg.c.amount, agg.c.orders)
                .join(agg, agg.c.key == master.id)
                .order_by(agg.c.amount.desc(), master.code)
            ).all()
        )
    groups = [SalesGroup(code=r[0], name=r[1], amount=money(r[2]), orders=int(r[3])) for r in rows]
    return groups[:MAX_GROUPS], len(groups)


def _compiled(
    ctx: ToolContext, args: SalesSummaryArgs, prev_start: date, prev_end: date
) -> tuple[Decimal, int, Decimal, list[SalesGroup], int]:
    """Total, orders, the previous total and the groups of whole orders, through the compiler."""
    filters = {k: [v] for k, v in (("customer", args.customer), ("segment", args.segment)) if v}
    span = Span(start=args.start, end=args.end, label=args.label)
    before = Span(start=prev_start, end=prev_end, label="previous")
    compiler = Compiler(ctx.today, rollups=ROLLUPS)
    totals = compiler.run(
        ctx.session, Query(metrics=["sales", "orders"], filters=filters, period=span, compare=before)
    )
    groups: list[SalesGroup] = []
    count = 0
    if args.group_by is not None:
        query = Query(metrics=["sales", "orders"], group_by=[args.group_by], filters=filters, period=span)
        rows = compiler.run(ctx.session, query).rows
        count = len(rows)  # all counted; only the first MAX_GROUPS become models (thousands at scale)
        groups = [
            SalesGroup(
                code=row.key[0],
                name=row.labels[0],
                amount=money(row.values["sales"] or 0),
                orders=int(row.values["orders"] or 0),
            )
            for row in rows[:MAX_GROUPS]
        ]
        if args.group_by == "segment" and args.segment is None:  # every segment, a quiet one at zero
            quiet = [s for s in SEGMENTS if s not in {g.code for g in groups}]
            groups += [SalesGroup(code=s, name=s, amount=money(0), orders=0) for s in quiet]
            count += len(quiet)
    return (
        money(totals.total.get("sales") or 0),
        int(totals.total.get("orders") or 0),
        money(totals.previous_total.get("sales") or 0),
        groups,
        count,
    )


@REGISTRY.register("sales_summary", SalesSummaryArgs, "SO.READ")
def sales_summary(ctx: ToolContext, args: SalesSummaryArgs, _caller: Caller) -> SalesSummary:
    """Sales (Approved/Closed orders) in a period vs the previous one, by customer, item or segment.

    Previous period: a range starting on the 1st moves back by the calendar months it spans (month-to-date
    1-27 Dec vs 1-27 Nov, a month vs the previous month, Q3 vs Q2, a year vs the year before, the end day
    clamped to the shorter month); any other range moves back by its own length in days.
    """
    scope = _Scope(ctx.session, args)
    prev_start, prev_end = previous_period(args.start, args.end)
    if scope.lines:  # an item's lines: the base tables (orders per item do not sum over rollup rows)
        total, orders = scope.total(ctx.session, args.start, args.end)
        prev_total, _ = scope.total(ctx.session, prev_start, prev_end)
        groups, group_count = _groups(ctx.session, scope, args)
    else:  # whole orders: the semantic layer, from fresh rollups (the same figures, tested equal)
        total, orders, prev_total, groups, group_count = _compiled(ctx, args, prev_start, prev_end)
    return SalesSummary(
        period=Period(start=args.start, end=args.end, label=args.label),
        customer=args.customer,
        customer_name=scope.customer_name,
        item=args.item,
        item_name=scope.item_name,
        segment=args.segment,
        basis="line_amt" if scope.lines else "order_total",
        total=total,
        orders=orders,
        previous=PeriodTotal(start=prev_start, end=prev_end, total=prev_total),
        growth_pct=growth_pct(total, prev_total),
        group_by=args.group_by,
        groups=groups,
        group_count=group_count,
    )


class TopCustomersArgs(Period):
    """A period and how many customers to rank."""

    model_config = ConfigDict(extra="forbid")
    limit: Limit = 5


class TopCustomer(BaseModel):
    """A customer's booked revenue in the period and its share of the total."""

    rank: int
    code: str
    name: str
    segment: str
    amount: Money
    orders: int
    share_pct: Percent


class TopCustomers(BaseModel):
    """The period's best customers by booked revenue."""

    period: Period
    total: Money
    orders: int
    customer_count: int  # customers with booked revenue in the period
    customers: list[TopCustomer]


@REGISTRY.register("top_customers", TopCustomersArgs, "SO.READ")
def top_customers(ctx: ToolContext, args: TopCustomersArgs, _caller: Caller) -> TopCustomers:
    """Top customers by sales (Approved/Closed orders) in a period, with each one's share of the total."""
    where = booked(args.start, args.end)
    head = ctx.session.execute(
        select(
            func.coalesce(func.sum(TSo.total_amt), 0), func.count(TSo.id), func.count(distinct(TSo.cust_id))
        ).where(*where)
    ).one()
    total = money(head[0])
    amount = func.sum(TSo.total_amt)
    rows = ctx.session.execute(
        select(MCust.code, MCust.name, MCust.segment, amount, func.count(TSo.id))
        .join(MCust, MCust.id == TSo.cust_id)
        .where(*where)
        .group_by(MCust.code, MCust.name, MCust.segment)
        .order_by(amount.desc(), MCust.code)
        .limit(args.limit)
    ).all()
    customers = [
        TopCustomer(
            rank=i,
            code=r[0],
            name=r[1],
            segment=r[2],
            amount=money(r[3]),
            orders=int(r[4]),
            share_pct=share_pct(money(r[3]), total),
        )
        for i, r in enumerate(rows, start=1)
    ]
    period = Period(start=args.start, end=args.end, label=args.label)
    return TopCustomers(
        period=period, total=total, orders=int(head[1]), customer_count=int(head[2]), customers=customers
    )
