"""Grounding: figures, dates, codes and names must be stated in, or computed from, the sources."""

from __future__ import annotations

from decimal import Decimal

import pytest

from guardrails.grounding import check
from guardrails.numbers import find_numbers, plain_readings

SALES = {
    "period": {"start": "2024-12-01", "end": "2024-12-27"},
    "revenue": "1250000000.00",
    "orders": [
        {"so": "SO-202412-0004", "customer": "PT Maju Jaya", "amount": "463700000.00", "due": "2024-12-20"},
        {"so": "SO-202412-0005", "customer": "CV Sinar Abadi", "amount": "786300000.00", "due": "2024-12-30"},
    ],
    "last_month": 1000000000,
    "reject_rate_pct": 8.5,
}


@pytest.mark.parametrize(
    "answer",
    [
        "Omzet bulan ini Rp 1.250.000.000.",
        "Revenue this month: IDR 1,250,000,000.",
        "Omzet Rp 1,25 M",  # Indonesian M = miliar
        "Revenue 1.25 billion",
        "Omzet Rp 1,25 miliar",
        "Omzet Rp 1.250 juta",
        "SO-202412-0004 senilai Rp 463,7 juta dari PT Maju Jaya",
        "Total dari 2 order",  # a list's length
        "Selisih kedua order Rp 322,6 juta",  # 786.3 - 463.7
        "Naik 25% dari bulan lalu",  # (1250 - 1000) / 1000
        "PT Maju Jaya 37,1% dari omzet",  # 463.7 / 1250
        "Reject rate 8,5%",
        "Reject rate 8.5%",
        "Jatuh tempo 20 Desember 2024",
        "due December 20, 2024",
        "due 2024-12-30",
        "Periode 1–27 Desember 2024",
        "Desember 2024 ditutup dengan baik",
        "1. SO-202412-0004\n2. SO-202412-0005",  # list numbering is not a figure
        "Halo Pak, Total Penjualan naik.",  # capitalised common words are not names
    ],
)
def test_grounded_answers_pass(answer: str) -> None:
    result = check(answer, [SALES])
    assert result.ok, result.unsupported


@pytest.mark.parametrize(
    ("answer", "bad"),
    [
        ("Omzet bulan ini Rp 1.350.000.000.", "1.350.000.000"),
        ("Omzet Rp 1,4 M", "1,4 M"),
        ("SO-202412-0009 terlambat", "SO-202412-0009"),
        ("MCH-007 berhenti", "MCH-007"),
        ("Jatuh tempo 21 Desember 2024", "21 Desember 2024"),
        ("Budi Hartono menyetujui order", "Budi Hartono"),
        ("Reject rate 9,5%", "9,5%"),
        ("Revenue grew 40%", "40%"),
    ],
)
def test_ungrounded_claims_are_named(answer: str, bad: str) -> None:
    result = check(answer, [SALES])
    assert not result.ok and bad in result.unsupported


def test_passages_as_plain_strings_are_sources() -> None:
    passage = "E-410 Wire feed fault: check the liner; replace it after 1.500 hours."
    assert check("E-410: check the liner, replace after 1,500 hours", [passage]).ok
    assert not check("E-411: check the liner", [passage]).ok


def test_dict_keys_count_as_sources() -> None:
    ageing = {"buckets": {"61-90": {"amount": 115000000}}, "over_30_total": 115000000}
    assert check("61-90 hari: Rp 115.000.000; lewat 30 hari", [ageing]).ok


@pytest.mark.parametrize(
    ("digits", "values"),
    [
        ("1.250.000.000", {Decimal(1250000000)}),
        ("1,250,000,000", {Decimal(1250000000)}),
        ("1.250", {Decimal(1250), Decimal("1.250")}),  # id thousands or en decimals
        ("463,7", {Decimal("463.7")}),
        ("1.250.000,50", {Decimal("1250000.50")}),
        ("1,250,000.50", {Decimal("1250000.50")}),
    ],
)
def test_number_readings_both_ways(digits: str, values: set[Decimal]) -> None:
    assert {v for v, _ in plain_readings(digits)} == values


def test_m_means_million_or_miliar() -> None:
    ((_, readings),) = find_numbers("1,25 M")
    assert {r.value for r in readings} >= {Decimal("1250000.00"), Decimal("1250000000.00")}


def test_rounding_tolerance_is_half_the_last_digit() -> None:
    assert check("Rp 463,7 juta", [{"x": 463749999}]).ok
    assert not check("Rp 463,7 juta", [{"x": 463800000}]).ok
