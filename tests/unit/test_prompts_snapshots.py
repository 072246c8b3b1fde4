"""Snapshots of the rendered prompt for every role tier and language: any change shows up as a diff.

Rewrite them after an intended change with UPDATE_SNAPSHOTS=1 and review the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from prompts import ContextItem, RenderedPrompt, render

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots" / "prompts"
ROLES = {"executive": "DIRECTOR", "manager": "MANAGER_SALES", "operator": "OPERATOR"}
CONTEXT = [
    ContextItem(
        "sales_summary",
        {
            "period": {"start": "2024-12-01", "end": "2024-12-27"},
            "revenue": "1250000000.00",
            "orders": 12,
            "top_customers": [{"code": "CUST-001", "name": "PT ABC Manufacturing", "amount": "463700000.00"}],
        },
        required_keys=("revenue",),
    ),
    ContextItem("manual", "E-101 Spindle overload: stop the machine, press RESET, then check the coolant."),
]
QUESTION = {"id": "berapa omzet bulan ini?", "en": "what is revenue this month?"}


def dump(prompt: RenderedPrompt) -> str:
    """A readable, diff-friendly text of a rendered prompt."""
    parts = [f"=== {m['role']} ===\n{m['content']}" for m in prompt.messages]
    parts.append(
        f"--- version={prompt.version} prompt_tokens={prompt.prompt_tokens} trimmed={prompt.trimmed}"
    )
    return "\n\n".join(parts) + "\n"


def check(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path.name}: run with UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(encoding="utf-8"), f"{path.name} changed; UPDATE_SNAPSHOTS=1 after review"


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("tier", list(ROLES))
def test_text_prompt_snapshot(tier: str, lang: str) -> None:
    prompt = render(ROLES[tier], lang, question=QUESTION[lang], context=CONTEXT)
    check(f"{tier}.{lang}.txt", dump(prompt))


@pytest.mark.parametrize("lang", ["id", "en"])
def test_json_prompt_snapshot(lang: str) -> None:
    prompt = render("DIRECTOR", lang, question=QUESTION[lang], context=CONTEXT, want_json=True)
    check(f"executive.{lang}.json.txt", dump(prompt))


def test_budget_trim_snapshot() -> None:
    rows = [{"so": f"SO-202412-{i:04d}", "amount": 1000000 + i} for i in range(150)]
    items = [*CONTEXT, ContextItem("late_orders", {"count": 150, "rows": rows}, required_keys=("count",))]
    prompt = render("MANAGER_SALES", "en", question="late orders?", context=items, budget_tokens=600)
    check("manager.en.trimmed.txt", dump(prompt))
