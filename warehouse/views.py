"""Read-only reporting views (v_*): the only relations the ad-hoc query tool may read.

One definition serves three readers: migration 0002 creates the views from it (the same SQL on SQLite and
PostgreSQL), the ad-hoc tool takes its allow-list of relations and columns from it, and the column notes
make the catalogue shown to a model. The views carry business codes, document numbers and UUIDs only:
no internal ids, nothing from adm_*, log_* or ai_chat (personal data), no cash book, no bank accounts,
and only active rows (deleted_at IS NULL) of the table each view is about.

Changing a view here changes what a fresh `db upgrade` builds: ship such a change with a new migration
that re-creates the view (DROP VIEW IF EXISTS + CREATE VIEW from this module), so existing databases follow.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class View:
    """A reporting view: name, what one row is, its columns (name, SQL expression, meaning) and source."""

    name: str
    row: str
    columns: tuple[tuple[str, str, str], ...]
    source: str  # FROM ... [WHERE ...], plain SQL both databases accept

    @property
    def column_names(self) -> list[str]:
        """The view's column names, in order."""
        return [name for name, _, _ in self.columns]

    def create_sql(self) -> str:
        """CREATE VIEW statement (portable: no functions, no dialect-specific syntax)."""
        select = ",\n    ".join(f"{expr} AS {name}" for name, expr, _ in self.columns)
        return f"CREATE VIEW {self.name} AS\nSELECT\n    {select}\n{self.source}"

    def drop_sql(self) -> str:
        """DROP VIEW IF EXISTS statement."""
        return f"DROP VIEW IF EXISTS {self.name}"


def _v(name: str, row: str, source: str, *columns: tuple[str, str, str]) -> View:
    return View(name, row, columns, source)


VIEWS: tuple[View, ...] = (
    _v(
        "v_sales_order",
        "a sales order header (active orders only)",
        "FROM t_so s JOIN m_cust c ON c.id = s.cust_id WHERE s.deleted_at IS NULL",
        ("doc_no", "s.doc_no", "order number, e.g. SO-202412-0004"),
        ("uuid", "s.uuid", "order UUID"),
        ("cust_code", "c.code", "customer code"),
        ("cust_name", "c.name", "customer name"),
        ("segment", "c.segment", "customer segment: VIP or Regular"),
        ("order_dt", "s.order_dt", "order date"),
        ("deadline_dt", "s.deadline_dt", "promised delivery date"),
        ("status", "s.status", "Draft, Pending (awaiting approval), Approved, Closed or Cancel"),
        ("total_amt", "s.total_amt", "order total in rupiah (sum of its lines)"),
        ("approved_dt", "s.approved_dt", "approval date"),
    ),
    _v(
        "v_sales_line",
        "a sales order line",
        "FROM t_so_detail d JOIN t_so s ON s.id = d.so_id JOIN m_cust c ON c.id = s.cust_id "
        "JOIN m_item i ON i.id = d.item_id WHERE d.deleted_at IS NULL AND s.deleted_at IS NULL",
        ("doc_no", "s.doc_no", "order number"),
        ("cust_code", "c.code", "customer code"),
        ("item_code", "i.code", "item code"),
        ("item_name", "i.name", "item name"),
        ("qty", "d.qty", "quantity ordered"),
        ("unit_price", "d.unit_price", "unit price in rupiah"),
        ("disc_pct", "d.disc_pct", "line discount percent"),
        ("line_amt", "d.line_amt", "line amount in rupiah after discount"),
        ("order_dt", "s.order_dt", "order date"),
        ("status", "s.status", "status of the order"),
    ),
    _v(
        "v_delivery",
        "a delivery order",
        "FROM t_do d JOIN t_so s ON s.id = d.so_id JOIN m_cust c ON c.id = s.cust_id "
        "LEFT JOIN m_emp e ON e.id = d.driver_id WHERE d.deleted_at IS NULL",
        ("doc_no", "d.doc_no", "delivery number, e.g. DO-202412-0001"),
        ("uuid", "d.uuid", "delivery UUID"),
        ("so_doc_no", "s.doc_no", "sales order number"),
        ("cust_code", "c.code", "customer code"),
        ("driver_code", "e.code", "driver's employee code"),
        ("ship_dt", "d.ship_dt", "ship date"),
        ("eta_dt", "d.eta_dt", "expected arrival date"),
        ("actual_dt", "d.actual_dt", "actual arrival date"),
        ("status", "d.status", "Pending, Shipped, In Transit or Delivered"),
    ),
    _v(
        "v_purchase_order",
        "a purchase order",
        "FROM t_po p JOIN m_vendor v ON v.id = p.vendor_id WHERE p.deleted_at IS NULL",
        ("doc_no", "p.doc_no", "purchase order number, e.g. PO-202412-0001"),
        ("uuid", "p.uuid", "purchase order UUID"),
        ("vendor_code", "v.code", "vendor code"),
        ("vendor_name", "v.name", "vendor name"),
        ("order_dt", "p.order_dt", "order date"),
        ("expected_dt", "p.expected_dt", "expected receipt date"),
        ("status", "p.status", "Draft, Pending Director, Approved, Received or Cancel"),
        ("total_amt", "p.total_amt", "order total in rupiah"),
        ("approved_dt", "p.approved_dt", "approval date"),
    ),
    _v(
        "v_work_order",
        "a work (production) order",
        "FROM t_wo w JOIN m_item i ON i.id = w.item_id JOIN m_machine m ON m.id = w.machine_id "
        "LEFT JOIN t_so s ON s.id = w.so_id WHERE w.deleted_at IS NULL",
        ("doc_no", "w.doc_no", "work order number, e.g. WO-202412-0001"),
        ("uuid", "w.uuid", "work order UUID"),
        ("item_code", "i.code", "item produced"),
        ("item_name", "i.name", "item name"),
        ("machine_code", "m.code", "machine code, e.g. MCH-003"),
        ("so_doc_no", "s.doc_no", "sales order it serves, if any"),
        ("start_dt", "w.start_dt", "start date"),
        ("end_dt", "w.end_dt", "end date"),
        ("plan_qty", "w.plan_qty", "planned quantity"),
        ("actual_qty", "w.actual_qty", "quantity produced"),
        ("reject_qty", "w.reject_qty", "quantity rejected"),
        ("status", "w.status", "Scheduled, In Progress or Completed"),
    ),
    _v(
        "v_inventory",
        "stock of one item in one warehouse",
        "FROM t_inv t JOIN m_item i ON i.id = t.item_id JOIN m_wh w ON w.id = t.wh_id "
        "WHERE t.deleted_at IS NULL",
        ("item_code", "i.code", "item code"),
        ("item_name", "i.name", "item name"),
        ("wh_code", "w.code", "warehouse code"),
        ("wh_name", "w.name", "warehouse name"),
        ("qty_on_hand", "t.qty_on_hand", "quantity on hand"),
        ("qty_reserved", "t.qty_reserved", "quantity reserved for orders"),
        ("qty_available", "t.qty_on_hand - t.qty_reserved", "on hand minus reserved (negative: oversold)"),
        ("min_qty", "t.min_qty", "reorder point"),
        ("last_move_dt", "t.last_move_dt", "date of the last stock movement"),
    ),
    _v(
        "v_receivable",
        "a customer invoice (receivable)",
        "FROM t_ar a JOIN t_so s ON s.id = a.so_id JOIN m_cust c ON c.id = a.cust_id "
        "WHERE a.deleted_at IS NULL",
        ("inv_no", "a.inv_no", "invoice number"),
        ("so_doc_no", "s.doc_no", "sales order number"),
        ("cust_code", "c.code", "customer code"),
        ("cust_name", "c.name", "customer name"),
        ("inv_dt", "a.inv_dt", "invoice date"),
        ("due_dt", "a.due_dt", "due date"),
        ("paid_dt", "a.paid_dt", "payment date; NULL while unpaid"),
        ("amt", "a.amt", "amount in rupiah"),
        ("status", "a.status", "Open, Paid or Overdue"),
    ),
    _v(
        "v_payable",
        "a vendor bill (payable)",
        "FROM t_ap a JOIN t_po p ON p.id = a.po_id JOIN m_vendor v ON v.id = a.vendor_id "
        "WHERE a.deleted_at IS NULL",
        ("bill_no", "a.bill_no", "bill number"),
        ("po_doc_no", "p.doc_no", "purchase order number"),
        ("vendor_code", "v.code", "vendor code"),
        ("vendor_name", "v.name", "vendor name"),
        ("due_dt", "a.due_dt", "due date"),
        ("paid_dt", "a.paid_dt", "payment date; NULL while unpaid"),
        ("amt", "a.amt", "amount in rupiah"),
        ("status", "a.status", "Open, Paid or Overdue"),
    ),
    _v(
        "v_shift_log",
        "production of one machine in one shift",
        "FROM t_shift_log l JOIN m_machine m ON m.id = l.machine_id WHERE l.deleted_at IS NULL",
        ("machine_code", "m.code", "machine code"),
        ("log_dt", "l.log_dt", "production date"),
        ("shift", "l.shift", "shift: 1, 2 or 3"),
        ("plan_min", "l.plan_min", "planned production minutes"),
        ("output_qty", "l.output_qty", "units made (good + rejected)"),
        ("reject_qty", "l.reject_qty", "units rejected"),
        ("downtime_min", "l.downtime_min", "downtime minutes"),
        ("error_code", "l.error_code", "machine error code, e.g. E-214"),
    ),
    _v(
        "v_machine",
        "a machine",
        "FROM m_machine m WHERE m.deleted_at IS NULL",
        ("code", "m.code", "machine code"),
        ("name", "m.name", "machine name"),
        ("model", "m.model", "model"),
        ("location", "m.location", "location on the shop floor"),
        ("cap_per_hr", "m.cap_per_hr", "rated output per hour"),
        ("run_hours", "m.run_hours", "running hours"),
        ("last_maint_dt", "m.last_maint_dt", "last maintenance date"),
        ("maint_int_days", "m.maint_int_days", "preventive maintenance interval in days"),
        ("status", "m.status", "operating status, e.g. Running"),
    ),
    _v(
        "v_customer",
        "a customer",
        "FROM m_cust c WHERE c.deleted_at IS NULL",
        ("code", "c.code", "customer code"),
        ("name", "c.name", "customer name"),
        ("segment", "c.segment", "VIP or Regular"),
        ("credit_lim", "c.credit_lim", "credit limit in rupiah"),
        ("pay_terms", "c.pay_terms", "payment terms in days"),
        ("last_order_dt", "c.last_order_dt", "date of the last order"),
    ),
    _v(
        "v_item",
        "an item (product, component or raw material)",
        "FROM m_item i WHERE i.deleted_at IS NULL",
        ("code", "i.code", "item code"),
        ("name", "i.name", "item name"),
        ("category", "i.category", "category"),
        ("std_cost", "i.std_cost", "standard cost in rupiah"),
        ("sell_price", "i.sell_price", "selling price in rupiah; NULL when not sold"),
        ("uom", "i.uom", "unit of measure"),
    ),
    _v(
        "v_vendor",
        "a vendor (supplier)",
        "FROM m_vendor v WHERE v.deleted_at IS NULL",
        ("code", "v.code", "vendor code"),
        ("name", "v.name", "vendor name"),
        ("otd_score", "v.otd_score", "on-time delivery score, percent"),
        ("quality_score", "v.quality_score", "quality score, percent"),
        ("pay_terms", "v.pay_terms", "payment terms in days"),
    ),
    _v(
        "v_alert",
        "a proactive alert",
        "FROM ai_alert a",
        ("uuid", "a.uuid", "alert UUID"),
        ("module", "a.module", "SO, PO, WO, INV, FIN or MAINT"),
        ("alert_type", "a.alert_type", "ANOMALY, CASHFLOW, OVERDUE, STOCK, ..."),
        ("severity", "a.severity", "Critical, High, Medium or Low"),
        ("message", "a.message", "alert text"),
        ("ts", "a.ts", "when it was raised (UTC)"),
        ("is_read", "a.is_read", "read by someone"),
        ("cleared_at", "a.cleared_at", "when it was cleared (UTC); NULL while open"),
    ),
)

VIEW_BY_NAME: dict[str, View] = {v.name: v for v in VIEWS}
