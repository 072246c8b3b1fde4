"""Builds the agent with every tool and composer registered."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from agent.core import Agent
from agent.manuals import ManualSearch
from agent.memory import ConversationMemory
from tools.catalog import TOOL_MODULES, load_tools


def load_composers() -> None:
    """Import the composer module of every tool module (each registers its composers)."""
    for module in TOOL_MODULES:
        importlib.import_module(module.replace("tools.", "agent.compose.", 1))


def make_agent(
    sessions: sessionmaker[Session],
    today: date | Callable[[], date],
    *,
    reject_threshold_pct: float = 5.0,
    shift_plan_min: int = 480,
    manuals: ManualSearch | None = None,
    memory: ConversationMemory | None = None,
) -> Agent:
    """An agent over these sessions; `today` is a fixed date or a function giving the business date."""
    registry = load_tools()
    load_composers()
    clock = today if callable(today) else (lambda: today)
    return Agent(
        registry,
        sessions,
        clock,
        reject_threshold_pct=reject_threshold_pct,
        shift_plan_min=shift_plan_min,
        manuals=manuals,
        memory=memory,
    )
