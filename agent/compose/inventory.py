"""Answers about stock: on hand, reserved, available, and which items are low or oversold."""

from __future__ import annotations

from agent.compose.base import MAX_LINES, Style, bullet_list, composer
from textkit.format import qty
from tools.inventory import InventoryResult, StockRow

STATE = {
    "oversold": ("oversold", "oversold"),
    "low": ("di bawah minimum", "below minimum"),
    "ok": ("aman", "ok"),
}


def _state(state: str, style: Style) -> str:
    return style.t(*STATE[state])


def _headline(data: InventoryResult, style: Style) -> str:
    """Problems first: how many rows are oversold and how many are low."""
    over, low = data.counts["oversold"], data.counts["low"]
    if data.only == "oversold":
        return style.t(f"*{over} stok oversold*", f"*{over} oversold stock lines*")
    if data.only == "low":
        return style.t(f"*{low} stok di bawah minimum*", f"*{low} stock lines below minimum*")
    if not over and not low:
        return style.t("*Semua stok aman*", "*All stock is above minimum*")
    return style.t(
        f"*{over} stok oversold, {low} di bawah minimum*",
        f"*{over} oversold, {low} below minimum*",
    )


def _row(r: StockRow, style: Style) -> str:
    """Available first (what can still be promised), then on hand, reserved and the minimum."""
    lang, unit = style.lang, f" {r.uom}"
    line = (
        f"{r.item_name} ({r.item_code}) @ {r.wh_code}: {style.t('tersedia', 'available')} "
        f"{qty(r.available, lang)}{unit} ({style.t('stok', 'on hand')} {qty(r.qty_on_hand, lang)}, "
        f"{style.t('dipesan', 'reserved')} {qty(r.qty_reserved, lang)}, min {qty(r.min_qty, lang)})"
    )
    if r.state == "oversold":
        short = -r.available
        line += style.t(f" — OVERSOLD {qty(short, lang)}{unit}", f" — OVERSOLD by {qty(short, lang)}{unit}")
    elif r.state == "low":
        line += f" — {_state('low', style)}"
    if style.tier != "executive":
        line += f" · {r.wh_name}"
    return line


@composer("inventory_status")
def compose_inventory_status(data: InventoryResult, style: Style) -> str:
    """Stock status: counts of problems up front, then the rows (problems first)."""
    codes = ", ".join(c for c in (data.item, data.warehouse) if c)
    where = f" ({codes})" if codes else ""
    if not data.rows and data.only:
        state = _state(data.only, style)
        return style.t(f"Tidak ada stok {state}{where}.", f"No {state} stock{where}.")
    if not data.rows:
        return style.t(f"Tidak ada data stok{where}.", f"No stock records{where}.")
    shown = data.rows[:MAX_LINES]
    lines = [_headline(data, style), *bullet_list([_row(r, style) for r in shown], style)]
    if data.count > len(shown):  # the tool lists at most 50 rows; count says how many matched
        more = data.count - len(shown)
        lines.append(style.t(f"… dan {more} lainnya", f"… and {more} more"))
    return "\n".join(lines)
