"""Shared secrets a request presents (X-API-Key, `Authorization: Bearer`), compared in constant time."""

from __future__ import annotations

import hmac


def presented_keys(x_api_key: str | None, authorization: str | None) -> list[str]:
    """The secrets a request offers, X-API-Key first, then an `Authorization: Bearer` value."""
    bearer = (
        authorization[7:].strip() if authorization and authorization.lower().startswith("bearer ") else ""
    )
    return [v for v in (x_api_key or "", bearer) if v]


def key_matches(expected: str, given: list[str]) -> bool:
    """Whether a configured (non-empty) key is among the presented ones."""
    return bool(expected) and any(hmac.compare_digest(expected.encode(), g.encode()) for g in given)
