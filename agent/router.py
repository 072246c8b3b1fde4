"""The deterministic router: entities + intent words (+ the last turn for follow-ups) -> one tool call."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from agent.entities import Entities
from agent.intents import DOC_TOOLS, ENTITY_VOTES, QUANTITY_WORDS, score_intents
from agent.periods import find_period, just_today, this_month
from tools.common import Period


@dataclass
class Plan:
    """What to run: the tool, its arguments, and what the question named (kept for follow-ups)."""

    tool: str  # a registry tool, "query_metrics", "lookup_attributes", "clarify" or "cant"
    args: dict[str, Any]
    entities: Entities = field(default_factory=Entities)
    period: Period | None = None
    notes: list[str] = field(default_factory=list)  # what was inferred, said in one line of the answer
    label: str = ""  # how a clarification names this reading ("penjualan bulan ini")
    options: list[Plan] = field(default_factory=list)  # a clarification's numbered readings
    extra: list[Plan] = field(default_factory=list)  # further parts of a multi-part question


def route(text: str, lang: str, today: date, ents: Entities, last: Plan | None) -> Plan | None:
    """Pick the tool and arguments for a question; None when nothing matches."""
    lowered = text.lower()
    period = find_period(lowered, today, lang)
    worded = bool(score_intents(lowered)) or bool(_TOP_N.search(lowered)) or ents.doc_kind in DOC_TOOLS
    if last is not None and not worded and (period or ents.any() or _is_follow_up(lowered)):
        # "dan bulan lalu?", "what about PT Maju Jaya?": the same question with a new period or entity.
        return build(last.tool, lowered, lang, today, ents.merged_over(last.entities), period or last.period)
    tool = classify(lowered, ents)
    if tool is None:
        return None
    return build(tool, lowered, lang, today, ents, period)


def classify(lowered: str, ents: Entities) -> str | None:
    """The tool a question is about, from its words and entities."""
    scores = tool_scores(lowered, ents)
    if not scores:
        return None
    return max(scores.items(), key=lambda kv: (kv[1], -PRIORITY.index(kv[0])))[0]


def tool_scores(lowered: str, ents: Entities) -> dict[str, float]:
    """Tool -> how strongly the question's words and entities point to it."""
    scores = score_intents(lowered)
    if _TOP_N.search(lowered):
        scores["top_customers"] = scores.get("top_customers", 0.0) + 2.0
    if _ERROR_CODE.search(lowered):  # "E-410": what the code means and how to fix it is in the manual
        scores["search_manuals"] = scores.get("search_manuals", 0.0) + 2.0
    if any(w in lowered for w in QUANTITY_WORDS):  # "berapa kali E-410 minggu ini": counting, not fixing
        scores["machine_performance"] = scores.get("machine_performance", 0.0) + 2.5
    if _LATE_ORDERS.search(lowered):
        scores["late_orders"] = scores.get("late_orders", 0.0) + 1.5
    elif "late_orders" in scores and len(scores) > 1:
        scores["late_orders"] -= 1.0  # "telat" without an order in sight qualifies another subject
    if ents.doc_kind in DOC_TOOLS:
        scores[DOC_TOOLS[ents.doc_kind]] = scores.get(DOC_TOOLS[ents.doc_kind], 0.0) + 3.0
    for kind, tool, weight in ENTITY_VOTES:
        if kind in ents.codes:
            scores[tool] = scores.get(tool, 0.0) + weight
    return scores


_TOP_N = re.compile(
    r"\btop\s*\d{0,2}\s*(customer|customers|pelanggan|buyer|buyers|klien|client|clients)\b|"
    r"\b(pelanggan|customer|klien)\s+(terbesar|teratas|terbaik|paling besar)\b"
)

_LATE_ORDERS = re.compile(
    r"\b(orders?|pesanan|so|pengiriman|deliver(?:y|ies))\b.*\b(overdue|late|telat|terlambat)\b|"
    r"\b(overdue|late|telat|terlambat)\b.*\b(orders?|pesanan|pengiriman|deliver(?:y|ies))\b"
)

_ERROR_CODE = re.compile(r"\b[a-z]{1,2}-\d{3}\b")

# Tie-break: the more specific question first.
PRIORITY = [
    "search_manuals",
    "so_status",
    "po_status",
    "wo_progress",
    "cash_position",
    "payables_due",
    "receivables",
    "late_orders",
    "pending_approvals",
    "top_customers",
    "maintenance_status",
    "machine_performance",
    "inventory_status",
    "vendor_scores",
    "active_alerts",
    "sales_summary",
    "dashboard_summary",
]


def _is_follow_up(lowered: str) -> bool:
    if re.search(
        r"(?<![\w-])\d{1,2}\s*(?:hari|days?)\b", lowered
    ):  # "proyeksi 30 hari?" after a cash question
        return True
    return bool(
        re.match(
            r"^\s*(dan|terus|lalu|kalau|kalo|gimana dengan|bagaimana dengan|and|what about|how about)\b",
            lowered,
        )
    )


def build(tool: str, lowered: str, lang: str, today: date, ents: Entities, period: Period | None) -> Plan:
    """Arguments of a tool from the question's entities, period and wording."""
    builder = _BUILDERS.get(tool)
    args = builder(lowered, lang, today, ents, period) if builder else {}
    if tool in ("sales_summary", "top_customers") and period is None:
        period = this_month(today, lang)
    if tool == "machine_performance" and period is None:
        period = just_today(today, lang)
    return Plan(tool, args, ents, period)


Builder = Any


def _period_args(period: Period) -> dict[str, Any]:
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label}


def _doc(_l: str, _g: str, _t: date, ents: Entities, _p: Period | None) -> dict[str, Any]:
    return {"doc_no": ents.doc_no} if ents.doc_no else {"uuid": ents.uuid}


def _sales(lowered: str, lang: str, today: date, ents: Entities, period: Period | None) -> dict[str, Any]:
    args = _period_args(period or this_month(today, lang))
    group = re.search(
        r"\b(?:per|by|tiap|setiap|masing-masing)\s+(customer|pelanggan|item|produk|product|barang|"
        r"segmen|segment)",
        lowered,
    )
    if group:
        word = group.group(1)
        args["group_by"] = {
            "pelanggan": "customer",
            "produk": "item",
            "product": "item",
            "barang": "item",
            "segmen": "segment",
        }.get(word, word)
    for kind in ("customer", "item"):
        if kind in ents.codes:
            args[kind] = ents.codes[kind]
    if segment := re.search(r"\b(vip|regular|reguler)\b", lowered):
        args["segment"] = "VIP" if segment.group(1) == "vip" else "Regular"
    return args


def _top(lowered: str, lang: str, today: date, _e: Entities, period: Period | None) -> dict[str, Any]:
    args = _period_args(period or this_month(today, lang))
    if m := re.search(r"\btop\s*(\d{1,2})\b|\b(\d{1,2})\s+(?:pelanggan|customer|customers)\b", lowered):
        args["limit"] = max(1, min(50, int(m.group(1) or m.group(2))))
    return args


def _pending(lowered: str, *_: Any) -> dict[str, Any]:
    po = re.search(r"\b(po|pos|purchase|purchases|pembelian)\b", lowered)
    so = re.search(r"\b(so|sos|sales orders?|penjualan|pesanan)\b", lowered)
    return {"kind": "PO"} if po and not so else {"kind": "SO"} if so and not po else {}


def _machine(lowered: str, lang: str, today: date, ents: Entities, period: Period | None) -> dict[str, Any]:
    args = _period_args(period or just_today(today, lang))
    if "machine" in ents.codes:
        args["machine"] = ents.codes["machine"]
    if re.search(r"\b(shift|per shift)\b", lowered):
        args["by_shift"] = True
    return args


def _by_code(kind: str, arg: str) -> Builder:
    def build_args(_l: str, _g: str, _t: date, ents: Entities, _p: Period | None) -> dict[str, Any]:
        return {arg: ents.codes[kind]} if kind in ents.codes else {}

    return build_args


def _wo(lowered: str, lang: str, today: date, ents: Entities, period: Period | None) -> dict[str, Any]:
    if ents.doc_kind == "WO":
        return {"doc_no": ents.doc_no}
    args = _by_code("machine", "machine")(lowered, lang, today, ents, period)
    if re.search(r"\b(semua|all|selesai|completed|done)\b", lowered):
        args["status"] = "all"
    return args


def _stock(lowered: str, _g: str, _t: date, ents: Entities, _p: Period | None) -> dict[str, Any]:
    args = {k: ents.codes[e] for e, k in (("item", "item"), ("warehouse", "warehouse")) if e in ents.codes}
    if re.search(r"\b(oversold|minus|negatif|negative|kurang dari pesanan)\b", lowered):
        args["only"] = "oversold"
    elif re.search(
        r"\b(low|menipis|rendah|tipis|hampir habis|below minimum|di bawah minimum|reorder)\b", lowered
    ):
        args["only"] = "low"
    return args


def _receivables(lowered: str, _g: str, _t: date, ents: Entities, _p: Period | None) -> dict[str, Any]:
    args: dict[str, Any] = {"customer": ents.codes["customer"]} if "customer" in ents.codes else {}
    overdue = r"\b(overdue|jatuh tempo|lewat tempo|telat bayar|telat|terlambat|late|nunggak|macet|past due)\b"
    aged = r"\b(lewat|lebih dari|more than|over|older than|>)\s*\d{1,3}\s*(hari|days?)\b"
    if re.search(overdue, lowered) or re.search(aged, lowered):
        args["overdue_only"] = True
    return args


def _late(lowered: str, *_: Any) -> dict[str, Any]:
    if m := re.search(r"(?<![\w-])(\d{1,2})\s*(?:hari|days?)\b", lowered):
        return {"horizon_days": min(30, int(m.group(1)))}
    return {}


def _days(lowered: str, period: Period | None, default: int = 7) -> int:
    if m := re.search(r"(?<![\w-])(\d{1,2})\s*(?:hari|days?)\b", lowered):
        return max(1, min(90, int(m.group(1))))
    if re.search(r"\b(bulan ini|this month|30 hari|sebulan|a month)\b", lowered):
        return 30
    if re.search(r"\b(2 minggu|dua minggu|two weeks|2 weeks)\b", lowered):
        return 14
    return default


def _payables(lowered: str, _g: str, _t: date, ents: Entities, period: Period | None) -> dict[str, Any]:
    args: dict[str, Any] = {"days": _days(lowered, period)}
    if "vendor" in ents.codes:
        args["vendor"] = ents.codes["vendor"]
    return args


def _cash(lowered: str, _g: str, _t: date, _e: Entities, period: Period | None) -> dict[str, Any]:
    return {"days": _days(lowered, period)}


def _alerts(lowered: str, *_: Any) -> dict[str, Any]:
    if re.search(r"\b(critical|kritis|kritikal)\b", lowered):
        return {"severity": "Critical"}
    if re.search(r"\b(high|tinggi)\b", lowered):
        return {"severity": "High"}
    return {}


def _manual(lowered: str, _g: str, _t: date, ents: Entities, _p: Period | None) -> dict[str, Any]:
    args: dict[str, Any] = {"query": lowered}
    if "machine" in ents.codes:
        args["machine"] = ents.codes["machine"]
    return args


_BUILDERS: dict[str, Builder] = {
    "search_manuals": _manual,
    "so_status": _doc,
    "po_status": _doc,
    "wo_progress": _wo,
    "sales_summary": _sales,
    "top_customers": _top,
    "pending_approvals": _pending,
    "machine_performance": _machine,
    "maintenance_status": _by_code("machine", "machine"),
    "vendor_scores": _by_code("vendor", "vendor"),
    "inventory_status": _stock,
    "receivables": _receivables,
    "payables_due": _payables,
    "cash_position": _cash,
    "active_alerts": _alerts,
    "late_orders": _late,
}
