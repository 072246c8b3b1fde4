"""Fixed texts of the deterministic agent: refusals, "I can't answer that" with a menu, tool errors."""

from __future__ import annotations

from agent.compose.base import Style
from semantic.catalog import CATALOG

# tool -> (Indonesian, English) one-line description of what a user can ask.
CAPABILITIES: dict[str, tuple[str, str]] = {
    "dashboard_summary": ("ringkasan pabrik hari ini", "today's factory summary"),
    "sales_summary": (
        "penjualan per periode, pelanggan, item atau segmen",
        "sales by period, customer, item or segment",
    ),
    "top_customers": ("pelanggan terbesar", "top customers"),
    "so_status": ("status sales order (mis. SO-202412-0004)", "sales order status (e.g. SO-202412-0004)"),
    "late_orders": ("order yang terlambat atau berisiko", "late or at-risk orders"),
    "pending_approvals": ("SO/PO yang menunggu persetujuan", "SOs/POs waiting for approval"),
    "po_status": ("status purchase order", "purchase order status"),
    "vendor_scores": ("skor vendor", "vendor scores"),
    "wo_progress": ("progres work order", "work order progress"),
    "machine_performance": (
        "kinerja mesin: output, reject, downtime, OEE",
        "machine output, rejects, downtime, OEE",
    ),
    "maintenance_status": ("jadwal dan riwayat maintenance", "maintenance history and next due"),
    "inventory_status": ("stok, stok menipis dan oversold", "stock, low and oversold items"),
    "receivables": ("piutang dan umur piutang", "receivables and ageing"),
    "payables_due": ("hutang jatuh tempo", "payables falling due"),
    "cash_position": ("posisi dan proyeksi kas", "cash position and projection"),
    "active_alerts": ("peringatan aktif", "active alerts"),
    "search_manuals": (
        "pertanyaan teknis dari manual mesin (kode error, prosedur, perawatan)",
        "technical questions from the machine manuals (error codes, procedures, maintenance)",
    ),
}


# Views offered beside the catalog's figures (the metric tools are summed up by the catalog's line).
VIEW_MENU = (
    "dashboard_summary",
    "so_status",
    "late_orders",
    "pending_approvals",
    "po_status",
    "wo_progress",
    "maintenance_status",
    "active_alerts",
    "search_manuals",
)
MENU_FIGURES = 8  # figure names listed on the menu's first line


def capability_menu(allowed: list[str], style: Style) -> str:
    """A short list of what this caller may ask: the catalog's figures and facts the role may see (from
    the catalog itself, so a new metric shows here), then the views."""
    metrics = [CATALOG.metrics[a[7:]] for a in allowed if a.startswith("metric:")]
    attrs = [CATALOG.attributes[a[5:]] for a in allowed if a.startswith("attr:")]
    lines: list[str] = []
    if metrics:
        names = ", ".join(m.words.label(style.lang) for m in metrics[:MENU_FIGURES])
        dims = {d for m in metrics for d in CATALOG.dims_of(m.name)}
        splits = [
            d.words.label(style.lang) for d in CATALOG.dimensions.values() if d.entity and d.name in dims
        ]
        per = "/".join([*splits[:3], style.t("bulan", "month")])
        lines.append(
            style.t(
                f"angka: {names} — per {per}, bandingkan periode, peringkat",
                f"figures: {names} — by {per}, period comparisons, rankings",
            )
        )
    if attrs:
        facts = ", ".join(dict.fromkeys(a.words.label(style.lang) for a in attrs[:6]))
        lines.append(style.t(f"data: {facts}", f"facts: {facts}"))
    lines += [CAPABILITIES[t][0 if style.lang == "id" else 1] for t in VIEW_MENU if t in allowed]
    return "\n".join(f"• {line}" for line in lines[:10])


def refusal(role_name: str, allowed: list[str], style: Style) -> str:
    """A polite refusal that names no figure, followed by what the caller can ask instead."""
    head = style.t(
        f"Maaf, data itu tidak tersedia untuk peran Anda ({role_name}).",
        f"Sorry, that information is not available to your role ({role_name}).",
    )
    menu = capability_menu(allowed, style)
    tail = style.t("Yang bisa saya bantu:", "What I can help with:") if menu else ""
    return "\n".join(part for part in (head, tail, menu) if part)


def unknown(allowed: list[str], style: Style, unused: list[str] | None = None) -> str:
    """What to say when nothing we answer covers the question (naming the words not understood)."""
    head = style.t("Maaf, saya belum bisa menjawab pertanyaan itu.", "Sorry, I can't answer that yet.")
    if unused:
        words = ", ".join(f"'{w}'" for w in unused[:4])
        head = style.t(
            f"Maaf, saya belum bisa menjawab tentang {words}.", f"Sorry, I can't answer about {words} yet."
        )
    menu = capability_menu(allowed, style)
    return f"{head}\n{style.t('Yang bisa saya bantu:', 'What I can help with:')}\n{menu}" if menu else head


def tool_error(code: str, message: str | None, style: Style) -> str:
    """A tool's expected failure, in the user's language."""
    if code == "not_found":
        return style.t(f"Maaf, data tidak ditemukan: {message}", f"Sorry, not found: {message}")
    if code == "invalid_args":
        return style.t(
            "Maaf, permintaannya belum lengkap atau tidak valid.", "Sorry, that request is not valid."
        )
    return style.t(
        "Maaf, terjadi kendala saat mengambil data.", "Sorry, something went wrong fetching the data."
    )
