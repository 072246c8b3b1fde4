"""Deterministic alert text: one template per alert type and language, with a tone per role.

Executives get the bottom line first and money terms; operators get the technical facts and the next step.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from alerts.types import Fact, Finding
from textkit.format import day, money, pct, qty

Tone = Literal["executive", "manager", "operator"]

TEMPLATES: dict[str, dict[str, str]] = {
    "REJECT_RATE": {
        "en": "Reject rate {machine} = {rate_pct} (threshold: {threshold_pct}) on {day}, shift {shifts}: "
        "{reject_qty} rejected of {output_qty}.",
        "id": "Reject rate {machine} = {rate_pct} (ambang: {threshold_pct}) pada {day}, shift {shifts}: "
        "{reject_qty} reject dari {output_qty}.",
    },
    "STOCK": {
        "en": "{item} at {wh}: available {available_qty} {uom}, minimum {min_qty}.",
        "id": "{item} di {wh}: tersedia {available_qty} {uom}, minimum {min_qty}.",
    },
    "OVERDUE": {
        "en": "{name} ({customer}) owes {overdue_amt} overdue; oldest invoice {days} days past due "
        "(limit {limit_days}).",
        "id": "{name} ({customer}) menunggak {overdue_amt}; faktur tertua lewat {days} hari "
        "(batas {limit_days}).",
    },
    "CASHFLOW": {
        "en": "Cash projected negative on {negative_dt} (lowest {lowest_amt}; balance today {balance_amt}).",
        "id": "Saldo kas diproyeksikan negatif pada {negative_dt} (terendah {lowest_amt}; "
        "saldo hari ini {balance_amt}).",
    },
    "SLA": {
        "en": "{doc_no}: {sla_type} SLA breached, {late_hours} hours past target.",
        "id": "{doc_no}: SLA {sla_type} terlewati, {late_hours} jam melewati target.",
    },
    "WO_BEHIND": {
        "en": "{doc_no} ({item}, {machine}) behind plan: {progress_pct} done, {expected_pct} expected; "
        "due {end_dt}.",
        "id": "{doc_no} ({item}, {machine}) tertinggal: selesai {progress_pct}, seharusnya {expected_pct}; "
        "target {end_dt}.",
    },
    "MAINT": {
        "en": "{machine} preventive maintenance overdue by {days} days (due {due_dt}).",
        "id": "Perawatan preventif {machine} terlambat {days} hari (jatuh tempo {due_dt}).",
    },
    "PO_APPROVAL": {
        "en": "{doc_no} ({vendor}, {total_amt}) has waited {days} days for approval ({waiting_for}).",
        "id": "{doc_no} ({vendor}, {total_amt}) menunggu persetujuan {days} hari ({waiting_for}).",
    },
}

LABEL = {"en": "ALERT", "id": "PERINGATAN"}
SEVERITY = {
    "en": {"Critical": "CRITICAL", "High": "HIGH", "Medium": "MEDIUM", "Low": "LOW"},
    "id": {"Critical": "KRITIS", "High": "TINGGI", "Medium": "SEDANG", "Low": "RENDAH"},
}
# Operators get the next step; executives a pointer to the figures behind the alert.
TONE_SUFFIX: dict[Tone, dict[str, str]] = {
    "executive": {"en": "Reply for details.", "id": "Balas untuk detail."},
    "manager": {"en": "", "id": ""},
    "operator": {"en": "Check the machine and log the cause.", "id": "Periksa mesin dan catat penyebabnya."},
}


def fact_text(name: str, value: Fact, lang: str) -> str:
    """One template field for people: money, percentage, quantity or date by its name and type."""
    if isinstance(value, date):
        return day(value, lang)
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        if name.endswith("_amt"):
            return money(value, lang)
        if name.endswith("_pct"):
            return pct(value, lang)
        if name.endswith("_qty"):
            return qty(value, lang)
    return str(value)


def body(finding: Finding, lang: str) -> str:
    """The alert's sentence in a language ('en' or 'id'), without severity or tone."""
    lang = lang if lang in ("en", "id") else "id"
    facts = {k: fact_text(k, v, lang) for k, v in finding.facts.items()}
    return TEMPLATES[finding.alert_type][lang].format(**facts)


def message(finding: Finding, lang: str, tone: Tone, sentence: str | None = None) -> str:
    """The WhatsApp text for one recipient: severity label, the sentence (the template's unless the model
    phrased it), and the tone's closing line."""
    lang = lang if lang in ("en", "id") else "id"
    head = f"[{LABEL[lang]} {SEVERITY[lang].get(finding.severity, finding.severity)}]"
    tail = TONE_SUFFIX[tone][lang]
    return " ".join(part for part in (head, sentence or body(finding, lang), tail) if part)
