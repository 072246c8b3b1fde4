"""Plain helpers shared by the tool tests: raw SQL, seeded-role callers, result unwrapping and converters
for values read back from SQLite and PostgreSQL. The fixtures built on them live in conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Literal, overload

from sqlalchemy import Engine, text

from tools.registry import Caller, ToolResult

CENT = Decimal("0.01")

RunTool = Callable[..., ToolResult]  # the `run` fixture: (name, args, role=None, **context) -> ToolResult


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    """Every row of an independent SQL query on the engine."""
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def role_caller(engine: Engine, role: str) -> Caller:
    """A caller holding exactly the permissions the seed grants a role."""
    perms = rows(
        engine,
        "SELECT p.code FROM adm_role_permission rp JOIN adm_role r ON r.id = rp.role_id "
        "JOIN adm_permission p ON p.id = rp.permission_id WHERE r.code = :role",
        role=role,
    )
    return Caller(f"test-{role.lower()}", role, frozenset(p[0] for p in perms))


def ok(result: ToolResult) -> Any:
    """The data of a tool result that must have succeeded."""
    assert result.ok, (result.error, result.message)
    return result.data


@overload
def as_date(value: Any, *, nullable: Literal[False] = False) -> date: ...
@overload
def as_date(value: Any, *, nullable: Literal[True]) -> date | None: ...
def as_date(value: Any, *, nullable: bool = False) -> date | None:
    """SQLite returns dates from raw SQL as text, PostgreSQL as dates. NULL is an error unless nullable,
    where it stays None."""
    if value is None and nullable:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def amount(value: Any, *, cents: bool = True) -> Decimal:
    """A number read from raw SQL as a Decimal (NULL is 0), rounded to cents unless cents=False."""
    exact = Decimal(str(value or 0))
    return exact.quantize(CENT) if cents else exact
