"""Server-side SVG charts: responsive (viewBox, width 100%), no script, colours as attributes (CSP-safe)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from markupsafe import Markup

PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#64748b")
# A narrow viewBox keeps text legible when a phone scales the chart to ~350 px.
WIDTH, HEIGHT = 480, 300
LEFT, RIGHT, TOP, BOTTOM = 52, 8, 34, 62


@dataclass(frozen=True)
class Series:
    """One named row of values, aligned with the chart's categories."""

    name: str
    values: Sequence[Decimal | float | int | None]


def _num(value: Decimal | float | int | None) -> float:
    return float(value) if value is not None else 0.0


def _nice_max(top: float) -> float:
    """A round axis maximum at or above `top` (1, 2, 2.5 or 5 times a power of ten)."""
    if top <= 0:
        return 1.0
    power = 10 ** (len(str(int(top))) - 1) if top >= 1 else 0.1
    for step in (1, 2, 2.5, 5, 10):
        if top <= step * power:
            return step * power
    return 10 * power


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    label: str = "",
    fmt: str = "{:,.0f}",
    threshold: float | None = None,
) -> Markup:
    """Grouped vertical bars, one group per category; `threshold` draws a dashed reference line."""
    peak = max([_num(v) for s in series for v in s.values] + [threshold or 0, 0])
    top = _nice_max(peak)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" preserveAspectRatio="xMidYMid meet" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<text x="8" y="20" font-size="17" font-weight="600" fill="#0f172a">{escape(title)}</text>',
    ]
    for i in range(5):  # grid lines and axis labels
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e2e8f0"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 5:.1f}" font-size="14" text-anchor="end" fill="#475569">'
            f"{escape(_short(value))}</text>"
        )
    for ci, cat in enumerate(categories):
        x0 = LEFT + ci * group_w + group_w * 0.1
        for si, s in enumerate(series):
            raw = s.values[ci] if ci < len(s.values) else None
            h = plot_h * _num(raw) / top
            x, y = x0 + si * bar_w, TOP + plot_h - h
            shown = "-" if raw is None else fmt.format(_num(raw))
            tip = escape(f"{cat} {s.name}: {shown}")
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 2, 1):.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[si % len(PALETTE)]}"><title>{tip}</title></rect>'
            )
        parts.append(
            f'<text x="{x0 + group_w * 0.4:.1f}" y="{TOP + plot_h + 20}" font-size="14" text-anchor="middle" '
            f'fill="#334155">{escape(cat)}</text>'
        )
    if threshold is not None and top:
        y = TOP + plot_h - plot_h * threshold / top
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ef4444" '
            f'stroke-dasharray="6 4"/>'
        )
    parts.extend(_legend(series, label))
    parts.append("</svg>")
    return Markup("".join(parts))


def _legend(series: Sequence[Series], label: str) -> list[str]:
    out, x = [], LEFT
    y = HEIGHT - 14
    if label:
        out.append(f'<text x="{x}" y="{y}" font-size="13" fill="#475569">{escape(label)}</text>')
        x += 10 + 7 * len(label)
    if len(series) > 1:
        for i, s in enumerate(series):
            out.append(
                f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
            )
            out.append(f'<text x="{x + 14}" y="{y}" font-size="13" fill="#334155">{escape(s.name)}</text>')
            x += 26 + 8 * len(s.name)
    return out


def _short(value: float) -> str:
    """Axis labels people read at a glance: 1.5B, 250M, 12k, 7.5."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"
