"""Intent vocabulary: which words (Indonesian and English, informal spellings too) point to which tool."""

from __future__ import annotations

import re

from semantic.catalog import CATALOG

# The rich tools that answer catalog metrics: their words are the metrics' words (semantic/catalog.py, the
# one place a figure's words live), plus the few that name the tool's view rather than a figure.
METRIC_TOOLS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "cash_position": (("cash_balance", "cash_in", "cash_out"), ()),
    "receivables": (
        ("receivables", "overdue_receivables"),
        (
            "ageing",
            "aging",
            "umur piutang",
            "collection",
            "collections",
            "faktur",
            "invoice",
            "invoices",
        ),
    ),
    "payables_due": (("payables", "overdue_payables"), ()),
    "sales_summary": (("sales",), ()),
    "machine_performance": (
        ("output", "rejects", "reject_rate", "downtime", "oee", "good_output"),
        (
            "mesin",
            "machine",
            "machines",
            "error",
            "errors",
            "error code",
            "kode error",
            "produktivitas",
            "efficiency",
            "shift",
        ),
    ),
    "inventory_status": (
        ("stock_on_hand", "stock_reserved", "stock_available"),
        (
            "gudang",
            "warehouse",
            "barang",
            "sisa barang",
            "low stock",
            "menipis",
            "oversold",
            # negated, and still ours: what is short is what this view flags
            "tidak tersedia",
            "stok habis",
            "tidak cukup",
            "kurang stok",
            "stok kurang",
            "out of stock",
            "not available",
            "not enough stock",
        ),
    ),
}


def _metric_words(metrics: tuple[str, ...]) -> tuple[str, ...]:
    """Every phrase naming these metrics in the catalog (labels and synonyms), in catalog order."""
    phrases = (p for m in metrics for w in [CATALOG.metrics[m].words] for p in (w.id, w.en, *w.synonyms))
    return tuple(dict.fromkeys(p.lower() for p in phrases))


# tool -> phrases; every phrase matched as whole words in the lowercased question adds to the tool's score.
INTENT_WORDS: dict[str, tuple[str, ...]] = {
    **{tool: (*own, *_metric_words(metrics)) for tool, (metrics, own) in METRIC_TOOLS.items()},
    "top_customers": (
        "top customer",
        "top customers",
        "top pelanggan",
        "pelanggan terbesar",
        "customer terbesar",
        "pelanggan teratas",
        "customer teratas",
        "best customers",
        "biggest customers",
        "largest customers",
        "pelanggan terbaik",
        "customer terbaik",
        "biggest buyers",
    ),
    "late_orders": (
        "terlambat",
        "telat",
        "late",
        "delay",
        "delayed",
        "at risk",
        "berisiko",
        "risiko",
        "lewat deadline",
        "past deadline",
        "behind schedule",
        "keterlambatan",
        "overdue orders",
        "order telat",
        "pengiriman telat",
        "belum sampai",
        "belum tiba",
        "not delivered on time",
        "not on time",
        "tidak tepat waktu",
        "telat kirim",
        "terlambat kirim",
        "kirim telat",
        "late delivery",
        "late deliveries",
    ),
    "pending_approvals": (
        "approval",
        "approvals",
        "approve",
        "persetujuan",
        "disetujui",
        "menunggu approval",
        "pending",
        "belum di approve",
        "belum diapprove",
        "belum disetujui",
        "belum di setujui",
        "not approved",
        "not yet approved",
        "unapproved",
        "haven t approved",
        "waiting for approval",
        "perlu approve",
        "needs approval",
        "awaiting approval",
        "tanda tangan",
    ),
    "vendor_scores": (
        "vendor",
        "vendors",
        "supplier",
        "suppliers",
        "pemasok",
        "skor vendor",
        "vendor score",
        "vendor scores",
        "otd",
        "on time delivery",
        "kinerja vendor",
        "performa vendor",
        "nilai vendor",
        "rating",
    ),
    "active_alerts": ("alert", "alerts", "peringatan", "alarm", "notifikasi", "warnings", "warning"),
    "maintenance_status": (
        "maintenance",
        "perawatan",
        "servis",
        "service",
        "pemeliharaan",
        "preventive",
        "jadwal maintenance",
        "next service",
        "overhaul",
        "perbaikan",
        "repair",
    ),
    "wo_progress": (
        "work order",
        "work orders",
        "wo",
        "perintah kerja",
        "progress produksi",
        "production order",
        "order produksi",
        "progres",
        "progress",
        "spk",
        "target produksi",
    ),
    "dashboard_summary": (
        "ringkasan",
        "summary",
        "dashboard",
        "overview",
        "kpi",
        "kpis",
        "rangkuman",
        "gimana pabrik",
        "how is the factory",
        "how are we doing",
        "laporan harian",
        "kondisi pabrik",
        "status pabrik",
        "factory status",
    ),
}

# Technical questions answered from the manuals (agent/manuals.py), not from the warehouse.
MANUAL_WORDS: tuple[str, ...] = (
    "what do i check",
    "what should i check",
    "what to check",
    "how do i",
    "how to",
    "how can i",
    "what does",
    "what causes",
    "cara",
    "bagaimana cara",
    "gimana cara",
    "apa yang harus",
    "harus dicek",
    "dicek apa",
    "cek apa",
    "apa penyebab",
    "penyebab",
    "cause",
    "causes",
    "fix",
    "perbaiki",
    "memperbaiki",
    "solusi",
    "solution",
    "langkah",
    "prosedur",
    "procedure",
    "manual",
    "reset",
    "replace",
    "ganti",
    "mengganti",
    "kalibrasi",
    "calibrate",
    "troubleshoot",
    "troubleshooting",
    "stops with",
    "berhenti",
    "artinya",
    "meaning",
    "artinya",
    "jadwal servis",
    "interval",
    "lockout",
    "keselamatan",
    "safety",
    "ppe",
    "apd",
    "start up",
    "startup",
    "menyalakan",
    "mematikan",
    "shut down",
    "shutdown",
    "nozzle",
    "wire feeder",
    "pengumpan kawat",
    "spindle",
    "spindel",
)
QUANTITY_WORDS = ("berapa kali", "how many times", "how often", "seberapa sering", "frekuensi", "frequency")

# An entity in the question also votes: (entity kind, tool, weight).
ENTITY_VOTES: tuple[tuple[str, str, float], ...] = (
    ("machine", "machine_performance", 1.0),
    ("vendor", "vendor_scores", 0.6),
    ("customer", "sales_summary", 0.6),
    ("item", "inventory_status", 0.6),
    ("warehouse", "inventory_status", 1.0),
)
DOC_TOOLS = {"SO": "so_status", "PO": "po_status", "WO": "wo_progress"}
# Words that, with a document number, ask about something else than the document itself.
# Indonesian suffixes ride on the word ("penjualannya", "stoknya", "berapakah"): allow them after a phrase.
_PATTERNS = {
    tool: [re.compile(rf"(?<![a-z0-9]){re.escape(p)}(?:nya|kah|lah)?(?![a-z0-9])") for p in words]
    for tool, words in {**INTENT_WORDS, "search_manuals": MANUAL_WORDS}.items()
}


def score_intents(text: str) -> dict[str, float]:
    """Tool -> score from the words of a lowercased question (multi-word phrases weigh more)."""
    scores: dict[str, float] = {}
    for tool, patterns in _PATTERNS.items():
        for pattern in patterns:
            if pattern.search(text):
                words = pattern.pattern.count(" ") + pattern.pattern.count("\\ ")
                scores[tool] = scores.get(tool, 0.0) + 1.0 + 0.5 * min(words, 2)
    return scores
