"""Documents in a question: document numbers, uuids and business codes, resolved against the database."""

from __future__ import annotations

import re
import uuid as uuid_mod
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.schema import TDo, TPo, TSo, TWo

DOC_RE = re.compile(r"\b(SO|PO|DO|WO)[-\s]?(\d{6})[-\s]?(\d{4,6})\b", re.IGNORECASE)
UUID_RE = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
CODE_RE = re.compile(
    r"\b(CUST-S?\d{3,6}|ITM-S?\d{3,6}|MCH-S?\d{3,6}|VND-S?\d{3,6}|WH-[A-Z]\d{1,2})\b", re.IGNORECASE
)
KINDS = {"CUST": "customer", "ITM": "item", "MCH": "machine", "VND": "vendor", "WH": "warehouse"}


@dataclass
class Entities:
    """What a question names; codes are normalised (upper case), names resolved to codes."""

    doc_no: str | None = None
    doc_kind: str | None = None  # SO, PO, DO, WO
    uuid: str | None = None
    codes: dict[str, str] = field(default_factory=dict)  # kind -> code

    def merged_over(self, older: Entities) -> Entities:
        """These entities, falling back to an earlier turn's for kinds this one does not name."""
        return Entities(
            self.doc_no or older.doc_no,
            self.doc_kind or older.doc_kind,
            self.uuid or older.uuid,
            {**older.codes, **self.codes},
        )

    def any(self) -> bool:
        """Whether anything was named."""
        return bool(self.doc_no or self.uuid or self.codes)


def extract(text: str) -> Entities:
    """Document numbers, uuids and business codes in the text (names are found by the parser)."""
    ents = Entities()
    if m := DOC_RE.search(text):
        ents.doc_kind = m.group(1).upper()
        ents.doc_no = f"{ents.doc_kind}-{m.group(2)}-{m.group(3)}"
    if m := UUID_RE.search(text):
        ents.uuid = str(uuid_mod.UUID(m.group(0)))
    for m in CODE_RE.finditer(text):  # explicit codes win over names
        code = m.group(1).upper()
        ents.codes[KINDS[code.split("-")[0]]] = code
    return ents


def resolve_document(session: Session, ents: Entities) -> Entities:
    """Turn a uuid into its document number and kind; a delivery order into its sales order."""
    if ents.uuid and not ents.doc_no:
        for kind, model in (("SO", TSo), ("PO", TPo), ("WO", TWo), ("DO", TDo)):
            doc = session.scalar(select(model.doc_no).where(model.uuid == uuid_mod.UUID(ents.uuid)))
            if doc:
                ents.doc_no, ents.doc_kind = doc, kind
                break
    if ents.doc_kind == "DO" and ents.doc_no:
        so = session.scalar(
            select(TSo.doc_no).join(TDo, TDo.so_id == TSo.id).where(TDo.doc_no == ents.doc_no)
        )
        if so:
            ents.doc_no, ents.doc_kind = so, "SO"
    return ents
