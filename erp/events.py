"""A change event: one ERP row's new state, serialised for JetStream with a deterministic message id."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

SUBJECT_PREFIX = "erp"  # one subject per ERP table: erp.sales_order, erp.so_line, ...
GONE = "_gone"  # in a delete event's row: the ERP row was DELETEd (found by erp/reconcile.py)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Change:
    """One ERP row as read: table, key, last_modified (ERP local time), per-table sequence, the row."""

    table: str
    key: str
    ts: str
    seq: int
    row: dict[str, Any]
    new: bool = False  # later than the watermark the extractor started from: counts for the sync's lag

    @property
    def msg_id(self) -> str:
        """Same ERP row version, same id: a re-run after a crash republishes nothing JetStream keeps."""
        body = json.dumps(self.row, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(f"{self.table}\x1f{self.key}\x1f{self.ts}\x1f{body}".encode()).hexdigest()
        # sync_key keeps the id of the version applied: ":gone:" tells verify the ERP row no longer exists.
        return f"{self.table}:{'gone:' if self.gone else ''}{digest[:32]}"

    @property
    def gone(self) -> bool:
        """Whether this event says the row was DELETEd from the ERP (not a new state of it)."""
        return bool(self.row.get(GONE))

    @property
    def version(self) -> str:
        """Orders versions of one row: the ERP timestamp, then the extraction sequence (same-second edits)."""
        return f"{self.ts}#{self.seq:012d}"

    @property
    def subject(self) -> str:
        """The JetStream subject of this table's changes."""
        return f"{SUBJECT_PREFIX}.{self.table}"

    def encode(self) -> bytes:
        """The event as JSON bytes."""
        return json.dumps(
            {
                "table": self.table,
                "key": self.key,
                "ts": self.ts,
                "seq": self.seq,
                "row": self.row,
                "new": self.new,
            },
            separators=(",", ":"),
        ).encode()

    @classmethod
    def decode(cls, data: bytes) -> Change:
        """An event from JSON bytes; ValueError when it is not one."""
        try:
            obj = json.loads(data)
            return cls(
                str(obj["table"]),
                str(obj["key"]),
                str(obj["ts"]),
                int(obj["seq"]),
                dict(obj["row"]),
                bool(obj.get("new", False)),  # events published before the flag existed: not counted
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a change event: {exc}") from exc

    @classmethod
    def of(cls, table: str, key: str, row: dict[str, Any], seq: int, new: bool = False) -> Change:
        """An event from an ERP row as the driver returned it."""
        plain = {k: _plain(v) for k, v in row.items()}
        return cls(table, key, str(plain["last_modified"]), seq, plain, new)
