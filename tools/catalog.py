"""Imports every tool module once so that each registers its tools on the one REGISTRY."""

from __future__ import annotations

import importlib

from tools.registry import REGISTRY, ToolRegistry

TOOL_MODULES = (
    "tools.dashboard",
    "tools.sales",
    "tools.purchasing",
    "tools.production",
    "tools.inventory",
    "tools.finance",
    "tools.alerts",
    "tools.adhoc",
)


def load_tools() -> ToolRegistry:
    """The registry with every tool registered (importing a module twice registers nothing twice)."""
    for module in TOOL_MODULES:
        importlib.import_module(module)
    return REGISTRY
