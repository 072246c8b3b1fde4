"""Entities in a question: document numbers, uuids, business codes and the names of known things."""

from __future__ import annotations

import re
import uuid as uuid_mod
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.schema import MCust, MItem, MMachine, MVendor, MWh, TDo, TPo, TSo, TWo

DOC_RE = re.compile(r"\b(SO|PO|DO|WO)[-\s]?(\d{6})[-\s]?(\d{4,6})\b", re.IGNORECASE)
UUID_RE = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
CODE_RE = re.compile(
    r"\b(CUST-S?\d{3,6}|ITM-S?\d{3,6}|MCH-S?\d{3,6}|VND-S?\d{3,6}|WH-[A-Z]\d{1,2})\b", re.IGNORECASE
)
KINDS = {"CUST": "customer", "ITM": "item", "MCH": "machine", "VND": "vendor", "WH": "warehouse"}
_LEGAL = re.compile(r"^(pt|cv|ud|tbk)\.?\s+", re.IGNORECASE)
# Words people use for our machines that their names do not contain.
MACHINE_ALIASES = {
    "las": "MCH-003",
    "robot las": "MCH-003",
    "welding": "MCH-003",
    "cnc": "MCH-001",
    "milling": "MCH-001",
    "injection": "MCH-002",
    "molding": "MCH-002",
    "moulding": "MCH-002",
}


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


class Gazetteer:
    """Names of customers, items, machines, vendors and warehouses, matched as whole words."""

    def __init__(self, names: dict[str, list[tuple[str, str]]]) -> None:
        # kind -> [(" name words ", code)], longest first; normalised once, not per question
        self.names = {
            kind: [(f" {key} ", code) for name, code in pairs if len(key := _words(name)) >= 3]
            for kind, pairs in names.items()
        }

    @classmethod
    def load(cls, session: Session) -> Gazetteer:
        """Read the active master data once."""
        tables = {"customer": MCust, "item": MItem, "machine": MMachine, "vendor": MVendor, "warehouse": MWh}
        names: dict[str, list[tuple[str, str]]] = {}
        for kind, model in tables.items():
            table = model.__table__
            rows = session.execute(
                select(table.c.name, table.c.code).where(table.c.deleted_at.is_(None))
            ).all()
            pairs = {(n.lower(), c) for n, c in rows} | {(_LEGAL.sub("", n).lower(), c) for n, c in rows}
            if kind in ("item", "machine"):
                pairs |= {(alias, c) for n, c in rows if (alias := _short_name(n))}
            names[kind] = sorted(pairs, key=lambda p: -len(p[0]))
        names["machine"] += sorted(MACHINE_ALIASES.items(), key=lambda p: -len(p[0]))
        return cls(names)

    def find(self, text: str) -> dict[str, str]:
        """Kind -> code of the first (longest) known name in the text, per kind."""
        lowered = f" {_words(text)} "
        found: dict[str, str] = {}
        for kind, pairs in self.names.items():
            for key, code in pairs:
                if key in lowered:
                    found[kind] = code
                    break
        return found


def _words(text: str) -> str:
    """Lower-case words separated by single spaces: how names and questions are compared."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _short_name(name: str) -> str | None:
    """'Motor DC 12V' -> 'motor dc': people drop the model suffix (a token with a digit or one letter)."""
    words = name.lower().split()
    if len(words) >= 3 and (any(ch.isdigit() for ch in words[-1]) or len(words[-1]) == 1):
        return " ".join(words[:-1])
    return None


def extract(text: str, gazetteer: Gazetteer) -> Entities:
    """Document numbers, uuids, codes and known names in the text."""
    ents = Entities()
    if m := DOC_RE.search(text):
        ents.doc_kind = m.group(1).upper()
        ents.doc_no = f"{ents.doc_kind}-{m.group(2)}-{m.group(3)}"
    if m := UUID_RE.search(text):
        ents.uuid = str(uuid_mod.UUID(m.group(0)))
    ents.codes = gazetteer.find(text)
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
