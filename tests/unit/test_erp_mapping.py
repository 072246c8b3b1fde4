"""The ERP mapping (erp/mapping.py), change events and the mapping table in docs/erp-sync.md."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from erp.events import Change
from erp.mapping import (
    BY_NAME,
    TABLES,
    MappingError,
    canon,
    checksum_row,
    key_of,
    to_erp_value,
    to_warehouse_value,
)

TZ = ZoneInfo("Asia/Jakarta")
DOC = Path(__file__).resolve().parents[2] / "docs" / "erp-sync.md"


def test_status_letters_map_both_ways_and_an_unknown_one_is_refused() -> None:
    col = BY_NAME["sales_order"].col("so_status")
    assert to_warehouse_value(col, "a", TZ) == "Approved"
    assert to_erp_value(col, "Approved", TZ) == "A"
    with pytest.raises(MappingError, match="not a known status code"):
        to_warehouse_value(col, "Z", TZ)


def test_local_erp_time_becomes_utc_and_back() -> None:
    col = BY_NAME["sales_order"].col("created")
    utc = to_warehouse_value(col, "2024-12-27 09:00:00", TZ)
    assert utc == datetime(2024, 12, 27, 2, 0, tzinfo=UTC)
    assert to_erp_value(col, utc, TZ) == datetime(2024, 12, 27, 9, 0)


def test_money_is_exact_and_bad_numbers_or_missing_required_values_are_refused() -> None:
    money = BY_NAME["invoice"].col("amount")
    assert to_warehouse_value(money, "115000000.005", TZ) == Decimal("115000000.00")
    with pytest.raises(MappingError):
        to_warehouse_value(money, "12,5", TZ)
    with pytest.raises(MappingError, match="empty"):
        to_warehouse_value(money, None, TZ)
    assert to_warehouse_value(BY_NAME["invoice"].col("paid_date"), None, TZ) is None


def test_keys_and_checksums_are_stable_text() -> None:
    line = {"so_no": "SO-202412-0001", "line_no": 2}
    assert key_of(BY_NAME["so_line"], line) == "SO-202412-0001|2"
    assert canon(Decimal("10.500")) == "10.5" and canon(date(2024, 1, 2)) == "2024-01-02"
    row = {"loc_code": "WH-A1", "loc_name": "Gudang", "zone": "A", "capacity_m3": Decimal("5000.000")}
    same = {**row, "capacity_m3": "5000"}
    assert checksum_row(BY_NAME["location"], row, TZ) == checksum_row(BY_NAME["location"], same, TZ)
    assert checksum_row(BY_NAME["location"], row, TZ) != checksum_row(
        BY_NAME["location"], {**row, "deleted": 1}, TZ
    )


def test_message_id_depends_on_the_row_version_not_on_the_extraction_sequence() -> None:
    row = {"cust_code": "CUST-001", "last_modified": datetime(2024, 12, 27, 9, 0), "credit_limit": Decimal(1)}
    first, again = Change.of("customer", "CUST-001", row, 1), Change.of("customer", "CUST-001", row, 9)
    assert first.msg_id == again.msg_id  # a re-read in the overlap: JetStream drops it
    edited = Change.of("customer", "CUST-001", {**row, "credit_limit": Decimal(2)}, 10)
    assert edited.msg_id != first.msg_id and edited.ts == first.ts  # same second, another version
    assert edited.version > first.version
    assert Change.decode(first.encode()) == first
    with pytest.raises(ValueError):
        Change.decode(b"{}")


def test_the_docs_mapping_table_matches_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    for table in TABLES:
        assert f"### `{table.erp}` → `{table.wh}`" in text
        for col in table.cols:
            assert f"| `{col.erp}` | `{col.wh}` |" in text, (table.erp, col.erp)


def test_a_delete_event_has_its_own_message_id_and_reconciliation_runs_every_nth_cycle() -> None:
    from erp.reconcile import due

    row = {"last_modified": "2024-12-27 09:00:00", "deleted": 1}
    flagged, gone = (
        Change("customer", "C1", row["last_modified"], 3, row),
        Change("customer", "C1", row["last_modified"], 3, {**row, "_gone": 1}),
    )
    assert gone.gone and not flagged.gone
    assert ":gone:" in gone.msg_id and ":gone:" not in flagged.msg_id  # verify skips only real deletes
    assert [c for c in range(1, 7) if due(c, 3)] == [3, 6]
    assert all(due(c, 1) for c in range(1, 4)) and not any(due(c, 0) for c in range(1, 4))
