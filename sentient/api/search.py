"""GET /api/search: hybrid search over the manuals, with citations (source, section, lines)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from agent.manuals import citation, clean_text
from channels.identity import UnknownUser, load_caller
from retrieval.service import MODES
from retrieval.types import Hit, SearchFilter
from sentient.deps import ApiKeyDep, SessionDep, StateDep
from sentient.errors import ApiError

router = APIRouter(prefix="/api", tags=["search"], dependencies=[ApiKeyDep])


def hit_json(hit: Hit) -> dict[str, Any]:
    """One result as the API and `sentient search --json` print it: the citation plus the passage."""
    c = hit.chunk
    return {
        **citation(hit),
        "score": round(hit.score, 6),
        "text": clean_text(c),  # planted sentences never reach a reader, here either
        "doc_type": c.doc_type,
        "ranks": hit.ranks,
    }


@router.get("/search")
def search(
    state: StateDep,
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    collection: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{3,63}$")] = None,
    machine: Annotated[str | None, Query(max_length=30)] = None,
    doc_type: Annotated[str | None, Query(max_length=30)] = None,
    lang: Annotated[str | None, Query(pattern=r"^(id|en)$")] = None,
    user: Annotated[str | None, Query(max_length=64, description="search as this user's role")] = None,
    mode: Annotated[str, Query(pattern=f"^({'|'.join(MODES)})$")] = "hybrid",
) -> dict[str, Any]:
    """The k best passages; with `user`, only what that user's role may read (and it must hold KB.READ)."""
    if state.retrieval is None:
        raise ApiError(503, "search_unavailable", "Manual search is not available right now.")
    role = None
    if user:
        try:
            caller = load_caller(session, user)
        except UnknownUser as exc:
            raise ApiError(403, "unknown_user", "No active user with that name or phone number.") from exc
        if not caller.may("KB.READ"):
            raise ApiError(403, "forbidden", "This role may not read the manuals.")
        role = caller.role
    flt = SearchFilter(machine=machine, doc_type=doc_type, lang=lang, role=role)
    hits = state.retrieval.service(collection).search(q, k=k, flt=flt, mode=mode)
    return {"query": q, "results": [hit_json(h) for h in hits]}
