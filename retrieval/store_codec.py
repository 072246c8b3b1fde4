"""How a Chunk is stored as Chroma metadata, and the filter rules: as a Chroma `where` and in Python."""

from __future__ import annotations

import json
import re
from typing import Any

from retrieval.types import Chunk, SearchFilter

MACHINE_FLAG = "m_"  # one boolean key per machine: Chroma metadata values must be scalars
ROLE_FLAG = "r_"
ROLES_ANY = "roles_any"
# How records encode a Chunk and what text was embedded; recorded with the collection next to the model.
# "+heading": vectors embed the heading path before the text (see embedding_text).
LAYOUT = "chunk-json-1+heading"
_INDEX_TERMS = re.compile(r"\(\(\(.*?\)\)\)|\[\[.*?\]\]")

Scalar = str | int | float | bool


def flag(prefix: str, value: str) -> str:
    """The boolean metadata key for one machine or role; case-folded so filters need not match case."""
    return f"{prefix}{value.strip().upper()}"


def embedding_text(chunk: Chunk) -> str:
    """What the dense model embeds for a chunk: its heading path, then its text.

    MiniLM reads only the first 256 wordpieces, so the heading goes first where it is always seen: it names
    what the section is about (often better than its first lines do), and it is what a citation points at.
    AsciiDoc index terms and anchors in headings are markup, not words, and are left out.
    """
    heading = re.sub(r"\s+", " ", _INDEX_TERMS.sub("", chunk.section)).strip()
    return f"{heading}\n{chunk.text}" if heading else chunk.text


def chunk_metadata(chunk: Chunk) -> dict[str, Scalar]:
    """Chroma metadata: the filtered fields and flags as keys, every other Chunk field packed in `chunk`."""
    # Chroma reads metadata key by key (~0.2 ms a record with a dozen keys); packing the fields never
    # filtered on into one JSON string makes that ~40 % cheaper and the metadata table shorter to scan.
    packed = {
        "section": chunk.section,
        "line_start": chunk.line_start,
        "line_end": chunk.line_end,
        "tokens": chunk.tokens,
        "machines": list(chunk.machines),
        "roles": list(chunk.roles),
        "content_hash": chunk.content_hash,
    }
    if chunk.quarantine:
        packed["quarantine"] = [list(q) for q in chunk.quarantine]
    if chunk.page:
        packed["page"] = chunk.page
    meta: dict[str, Scalar] = {
        "source": chunk.source,
        "doc_type": chunk.doc_type,
        "lang": chunk.lang,
        "chunk": json.dumps(packed, ensure_ascii=False),
    }
    meta.update({flag(MACHINE_FLAG, m): True for m in chunk.machines})
    meta.update({flag(ROLE_FLAG, r): True for r in chunk.roles})
    if not chunk.roles:
        meta[ROLES_ANY] = True
    return meta


def chunk_from_record(chunk_id: str, text: str | None, meta: dict[str, Any]) -> Chunk:
    """Rebuild the Chunk that chunk_metadata encoded."""
    packed = json.loads(str(meta["chunk"]))
    return Chunk(
        id=chunk_id,
        text=text or "",
        source=str(meta["source"]),
        section=str(packed["section"]),
        line_start=int(packed["line_start"]),
        line_end=int(packed["line_end"]),
        tokens=int(packed["tokens"]),
        doc_type=str(meta["doc_type"]),
        lang=str(meta["lang"]),
        machines=tuple(packed["machines"]),
        roles=tuple(packed["roles"]),
        content_hash=str(packed["content_hash"]),
        quarantine=tuple((str(k), str(t)) for k, t in packed.get("quarantine", ())),
        page=int(packed.get("page", 0)),
    )


def where_clause(flt: SearchFilter | None) -> dict[str, Any] | None:
    """The Chroma `where` for a filter; a role sees unrestricted chunks and those naming it."""
    if flt is None:
        return None
    terms: list[dict[str, Any]] = []
    if flt.machine:
        terms.append({flag(MACHINE_FLAG, flt.machine): True})
    if flt.doc_type:
        terms.append({"doc_type": flt.doc_type})
    if flt.lang:
        terms.append({"lang": flt.lang})
    if flt.role:
        terms.append({"$or": [{ROLES_ANY: True}, {flag(ROLE_FLAG, flt.role): True}]})
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else {"$and": terms}


def visible(chunk: Chunk, flt: SearchFilter | None) -> bool:
    """Whether a chunk passes a filter: the same rules as where_clause, in Python (for the fake store)."""
    if flt is None:
        return True
    if flt.machine and flag("", flt.machine) not in {flag("", m) for m in chunk.machines}:
        return False
    if flt.doc_type and chunk.doc_type != flt.doc_type:
        return False
    if flt.lang and chunk.lang != flt.lang:
        return False
    return not (flt.role and chunk.roles and flag("", flt.role) not in {flag("", r) for r in chunk.roles})
