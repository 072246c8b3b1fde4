"""One registry of domain tools: typed arguments, a permission code checked in code, errors as data."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from telemetry.metrics import observe_tool

A = TypeVar("A", bound=BaseModel)


@dataclass(frozen=True)
class Caller:
    """Who is asking: the user's name, role code, permission codes and preferred language."""

    username: str
    role: str
    permissions: frozenset[str]
    lang: str = "id"
    user_id: int | None = None  # internal; never shown in answers
    phone: str | None = None
    role_name: str = ""

    def may(self, permission: str | tuple[str, ...]) -> bool:
        """Whether the caller holds a permission code (or, given several, any one of them)."""
        wanted = (permission,) if isinstance(permission, str) else permission
        return any(p in self.permissions for p in wanted)


@dataclass(frozen=True)
class ToolContext:
    """What a tool may use: a read session, the business date and thresholds."""

    session: Session
    today: date
    reject_threshold_pct: float = 5.0
    shift_plan_min: int = 480


@dataclass(frozen=True)
class ToolResult:
    """A tool's outcome. ok=False carries a stable error code and a message safe to show anyone."""

    name: str
    args: dict[str, Any]
    ok: bool
    data: Any = None
    error: str | None = None
    message: str | None = None


class ToolError(Exception):
    """A tool's expected failure (not found, ambiguous...), reported as data, never as a crash."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Tool(Generic[A]):
    """A registered tool: name, one-line description, argument model, permission code and function."""

    name: str
    description: str
    args_model: type[A]
    permission: str | tuple[str, ...]  # several codes: any one of them admits the caller
    func: Callable[[ToolContext, A, Caller], Any]

    def schema(self) -> dict[str, Any]:
        """JSON schema of the arguments (for LLM tool calling and docs)."""
        return self.args_model.model_json_schema()


@dataclass
class ToolRegistry:
    """Holds every tool; `execute` validates arguments and checks permission before running one."""

    tools: dict[str, Tool[Any]] = field(default_factory=dict)
    # Called after every execute with (result, seconds); the process registry times tools into /metrics.
    observers: list[Callable[[ToolResult, float], None]] = field(default_factory=list)

    def register(
        self, name: str, args_model: type[A], permission: str | tuple[str, ...]
    ) -> Callable[[Callable[[ToolContext, A, Caller], Any]], Callable[[ToolContext, A, Caller], Any]]:
        """Decorator: register `func(ctx, args, caller)` under `name`; its docstring is the description."""

        def wrap(func: Callable[[ToolContext, A, Caller], Any]) -> Callable[[ToolContext, A, Caller], Any]:
            if name in self.tools:
                raise ValueError(f"tool {name!r} registered twice")
            doc = (func.__doc__ or name).strip().splitlines()[0]
            self.tools[name] = Tool(name, doc, args_model, permission, func)
            return func

        return wrap

    def get(self, name: str) -> Tool[Any]:
        """A tool by name (KeyError if unknown)."""
        return self.tools[name]

    def allowed(self, name: str, caller: Caller) -> bool:
        """Whether the caller's role may run the tool."""
        return name in self.tools and caller.may(self.tools[name].permission)

    def execute(self, name: str, args: dict[str, Any], caller: Caller, ctx: ToolContext) -> ToolResult:
        """Run a tool for a caller: unknown tool, bad arguments, forbidden or failing -> ToolResult error."""
        started = time.perf_counter()
        result = self._execute(name, args, caller, ctx)
        for observe in self.observers:
            observe(result, time.perf_counter() - started)
        return result

    def _execute(self, name: str, args: dict[str, Any], caller: Caller, ctx: ToolContext) -> ToolResult:
        tool = self.tools.get(name)
        if tool is None:
            return ToolResult(name, args, False, error="unknown_tool", message=f"No tool named {name}.")
        if not caller.may(tool.permission):
            return ToolResult(name, args, False, error="forbidden", message="Not permitted for this role.")
        try:
            parsed = tool.args_model.model_validate(args)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            return ToolResult(name, args, False, error="invalid_args", message=f"{where}: {first['msg']}")
        try:
            data = tool.func(ctx, parsed, caller)
        except ToolError as exc:
            return ToolResult(
                name, parsed.model_dump(mode="json"), False, error=exc.code, message=exc.message
            )
        return ToolResult(name, parsed.model_dump(mode="json"), True, data=data)


REGISTRY = ToolRegistry(observers=[observe_tool])
