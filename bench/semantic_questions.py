"""The question classes of the `semantic` bench: a Query for the compiler and the same aggregate as raw SQL.

Period questions are asked as of ANCHOR, the last month of dense synthetic history (`seed --scale N` writes
its history before the sample window, which holds a handful of documents): "this month" there is a
partial month of about 10,000 orders per 100 units, and "last year" twelve whole months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from semantic.grains import month_after
from semantic.query import Query, Span
from warehouse.seed.calendar import SPEC_TODAY, history_start

ANCHOR = history_start(SPEC_TODAY) - timedelta(days=4)  # 2024-08-28 for the spec's day
THIS_MONTH = Span(start=ANCHOR.replace(day=1), end=ANCHOR, label="this month")
LAST_MONTH_TO_DATE = Span(
    start=(ANCHOR.replace(day=1) - timedelta(days=1)).replace(day=1),
    end=(ANCHOR.replace(day=1) - timedelta(days=1)).replace(day=ANCHOR.day),
    label="last month to date",
)
LAST_YEAR = Span(start=date(ANCHOR.year - 1, 1, 1), end=date(ANCHOR.year - 1, 12, 31), label="last year")
THIS_YEAR = Span(start=date(ANCHOR.year, 1, 1), end=ANCHOR, label="this year")
LAST_12_MONTHS = Span(
    start=month_after(ANCHOR).replace(year=ANCHOR.year - 1), end=month_after(ANCHOR) - timedelta(days=1)
)

BOOKED = "s.status IN ('Approved', 'Closed') AND s.deleted_at IS NULL"
SO = f"FROM t_so s JOIN m_cust c ON c.id = s.cust_id WHERE {BOOKED}"
LINES = (
    "FROM t_so_detail d JOIN t_so s ON s.id = d.so_id JOIN m_item i ON i.id = d.item_id "
    f"WHERE {BOOKED} AND d.deleted_at IS NULL"
)
SHIFTS = "FROM t_shift_log l JOIN m_machine m ON m.id = l.machine_id WHERE l.deleted_at IS NULL"
IN_SPAN = "BETWEEN :start AND :end"


@dataclass(frozen=True)
class Question:
    """A question class: its query, the hand-written SQL of the same figures, and that SQL's parameters.

    The SQL returns one row per group: the group's code (none when ungrouped), then each metric (with a
    comparison: each metric now, then each before).
    """

    label: str
    query: Query
    sql: str
    params: dict[str, Any]


def _span(span: Span) -> dict[str, Any]:
    return {"start": span.start, "end": span.end}


QUESTIONS: list[Question] = [
    Question(
        "sales total this month",
        Query(metrics=["sales"], period=THIS_MONTH),
        f"SELECT coalesce(sum(s.total_amt), 0) {SO} AND s.order_dt {IN_SPAN}",
        _span(THIS_MONTH),
    ),
    Question(
        "sales last year by item",
        Query(metrics=["sales"], group_by=["item"], period=LAST_YEAR),
        f"SELECT i.code, sum(d.line_amt) {LINES} AND s.order_dt {IN_SPAN} GROUP BY i.code",
        _span(LAST_YEAR),
    ),
    Question(
        "sales last year by customer",
        Query(metrics=["sales"], group_by=["customer"], period=LAST_YEAR),
        f"SELECT c.code, sum(s.total_amt) {SO} AND s.order_dt {IN_SPAN} GROUP BY c.code",
        _span(LAST_YEAR),
    ),
    Question(
        "top 5 customers this year",
        Query(metrics=["sales"], group_by=["customer"], period=THIS_YEAR, order="desc", limit=5),
        f"SELECT c.code, sum(s.total_amt) {SO} AND s.order_dt {IN_SPAN} GROUP BY c.code "
        "ORDER BY 2 DESC, 1 LIMIT 5",
        _span(THIS_YEAR),
    ),
    Question(
        "receivables by customer",
        Query(metrics=["receivables"], group_by=["customer"]),
        "SELECT c.code, sum(a.amt) FROM t_ar a JOIN m_cust c ON c.id = a.cust_id "
        "WHERE a.paid_dt IS NULL AND a.deleted_at IS NULL GROUP BY c.code",
        {},
    ),
    Question(
        "reject rate by machine this month",
        Query(metrics=["reject_rate"], group_by=["machine"], period=THIS_MONTH),
        "SELECT m.code, round(100 * sum(l.reject_qty) / nullif(sum(l.output_qty), 0), 1) "
        f"{SHIFTS} AND l.log_dt {IN_SPAN} GROUP BY m.code",
        _span(THIS_MONTH),
    ),
    Question(
        "output by shift this year",
        Query(metrics=["output"], group_by=["shift"], period=THIS_YEAR),
        f"SELECT l.shift, sum(l.output_qty) {SHIFTS} AND l.log_dt {IN_SPAN} GROUP BY l.shift",
        _span(THIS_YEAR),
    ),
    Question(
        "stock by warehouse",
        Query(metrics=["stock_on_hand"], group_by=["warehouse"]),
        "SELECT w.code, sum(t.qty_on_hand) FROM t_inv t JOIN m_item i ON i.id = t.item_id "
        "JOIN m_wh w ON w.id = t.wh_id WHERE t.deleted_at IS NULL GROUP BY w.code",
        {},
    ),
    Question(
        "sales and orders by segment, this month vs last",
        Query(
            metrics=["sales", "orders"],
            group_by=["segment"],
            period=THIS_MONTH,
            compare=LAST_MONTH_TO_DATE,
        ),
        "SELECT c.segment, "
        "sum(s.total_amt) FILTER (WHERE s.order_dt BETWEEN :start AND :end), "
        "count(DISTINCT s.id) FILTER (WHERE s.order_dt BETWEEN :start AND :end), "
        "sum(s.total_amt) FILTER (WHERE s.order_dt BETWEEN :p_start AND :p_end), "
        "count(DISTINCT s.id) FILTER (WHERE s.order_dt BETWEEN :p_start AND :p_end) "
        f"{SO} AND (s.order_dt {IN_SPAN} OR s.order_dt BETWEEN :p_start AND :p_end) GROUP BY c.segment "
        "HAVING count(*) FILTER (WHERE s.order_dt BETWEEN :start AND :end) > 0",
        {**_span(THIS_MONTH), "p_start": LAST_MONTH_TO_DATE.start, "p_end": LAST_MONTH_TO_DATE.end},
    ),
    Question(
        "monthly sales trend, last 12 months",
        Query(metrics=["sales"], group_by=["month"], period=LAST_12_MONTHS),
        f"SELECT to_char(s.order_dt, 'YYYY-MM'), sum(s.total_amt) {SO} AND s.order_dt {IN_SPAN} "
        "GROUP BY 1 ORDER BY 1",
        _span(LAST_12_MONTHS),
    ),
]

# Each class as a person asks it (the whole turn: parse, decide, the tool or compiled query, compose).
ASKED: dict[str, str] = {
    "sales total this month": "berapa penjualan bulan ini?",
    "sales last year by item": "penjualan per barang tahun lalu",
    "sales last year by customer": "penjualan per pelanggan tahun lalu",
    "top 5 customers this year": "top 5 pelanggan tahun ini",
    "receivables by customer": "piutang per pelanggan",
    "reject rate by machine this month": "reject rate per mesin bulan ini",
    "output by shift this year": "output per shift tahun ini",
    "stock by warehouse": "stok per gudang",
    "sales and orders by segment, this month vs last": "penjualan per segmen bulan ini dibanding bulan lalu",
    "monthly sales trend, last 12 months": "tren penjualan 12 bulan terakhir",
}
