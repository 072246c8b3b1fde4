"""Permission checks of query objects: every metric or attribute a query names needs its permission."""

from __future__ import annotations

from collections.abc import Iterable

from semantic.query import Lookup, Query

Required = str | tuple[str, ...]


def holds(required: Required, permissions: Iterable[str]) -> bool:
    """Whether the permissions satisfy one requirement (a tuple: any one of its codes)."""
    wanted = (required,) if isinstance(required, str) else required
    held = set(permissions)
    return any(code in held for code in wanted)


def denied(request: Query | Lookup, permissions: Iterable[str]) -> list[str]:
    """Names of the metrics or attributes the permissions do not cover (empty: allowed)."""
    held = frozenset(permissions)
    names = request.metrics if isinstance(request, Query) else request.attributes
    return [name for name, need in zip(names, request.permissions(), strict=True) if not holds(need, held)]
