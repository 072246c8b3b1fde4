"""The middle of the sandwich: context items serialised and trimmed to a token budget.

Largest items are trimmed first, one step at a time (halve the longest list, shorten the longest text,
then drop whole non-required keys), so a small item is never sacrificed for a big one. Keys named in
`required_keys` hold the figure asked for: they are never trimmed, even if the budget is exceeded.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from guardrails.documents import neutralise_data

Counter = Callable[[str], int]
MIN_TEXT_CHARS = 80  # below this a passage is cut no further; it is dropped as a whole instead


@dataclass
class ContextItem:
    """One piece of live context: a tool result or retrieval passages, JSON-able."""

    name: str
    data: Any
    required_keys: tuple[str, ...] = ()


@dataclass
class _Slot:
    item: ContextItem
    data: Any
    text: str = ""
    tokens: int = 0
    dropped: bool = False
    notes: list[str] = field(default_factory=list)


def serialise(name: str, data: Any) -> str:
    """One item as it appears in the prompt: a name line, then compact JSON (or plain text)."""
    data = neutralise_data(data)  # planted instructions and links never reach the model
    body = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, default=str)
    body = body.replace("</data", "<\\/data").replace("<data", "< data")  # a planted tag cannot end the block
    return f"[{name}]\n{body}"


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str) else len(json.dumps(value, ensure_ascii=False, default=str))


def _shrink(value: Any, protected: tuple[str, ...], path: str) -> tuple[Any, str] | None:
    """One trimming step on a value; None when nothing more can be cut."""
    if isinstance(value, str):
        if len(value) <= MIN_TEXT_CHARS:
            return None
        return value[: len(value) // 2].rstrip() + " …", f"{path or 'text'} shortened"
    if isinstance(value, list):
        if len(value) > 1:
            keep = len(value) // 2
            return value[:keep], f"{path or 'list'}: {len(value)} -> {keep} rows"
        if len(value) == 1:
            inner = _shrink(value[0], (), f"{path}[0]")
            return ([inner[0]], inner[1]) if inner else None
        return None
    if isinstance(value, dict):
        free = [k for k in value if k not in protected]
        for key in sorted(free, key=lambda k: _size(value[k]), reverse=True):
            inner = _shrink(value[key], (), f"{path}.{key}" if path else key)
            if inner is not None:
                return {**value, key: inner[0]}, inner[1]
        if free:
            key = max(free, key=lambda k: _size(value[k]))
            return {k: v for k, v in value.items() if k != key}, f"{path + '.' if path else ''}{key} dropped"
    return None


def fit(items: list[ContextItem], budget: int, count: Counter) -> tuple[str, list[str]]:
    """The context block text within `budget` tokens and the list of what was trimmed."""
    slots = [_Slot(item, item.data) for item in items]
    for slot in slots:
        slot.text = serialise(slot.item.name, slot.data)
        slot.tokens = count(slot.text)
    stuck: set[int] = set()
    while sum(s.tokens for s in slots if not s.dropped) > budget:
        live = [i for i, s in enumerate(slots) if not s.dropped and i not in stuck]
        if not live:
            break
        index = max(live, key=lambda i: slots[i].tokens)
        slot = slots[index]
        step = _shrink(slot.data, slot.item.required_keys, "")
        if step is not None:
            slot.data = step[0]
            slot.notes.append(step[1])
            slot.text = serialise(slot.item.name, slot.data)
            slot.tokens = count(slot.text)
        elif slot.item.required_keys:
            stuck.add(index)  # only the figure asked for is left: keep it, whatever the budget says
        else:
            slot.dropped = True
    trimmed = [f"{s.item.name}: {note}" for s in slots for note in _merge(s.notes)]
    trimmed += [f"{s.item.name}: dropped" for s in slots if s.dropped]
    total = sum(s.tokens for s in slots if not s.dropped)
    if total > budget:
        trimmed.append(f"over budget: {total} > {budget} tokens kept for required keys")
    return "\n\n".join(s.text for s in slots if not s.dropped), trimmed


def _merge(notes: list[str]) -> list[str]:
    """Collapse repeated steps on the same path ('rows: 40 -> 20', 'rows: 20 -> 10' -> 'rows: 40 -> 10')."""
    merged: dict[str, str] = {}
    for note in notes:
        head, _, tail = note.partition(": ")
        if " -> " in tail and head in merged:
            first = merged[head].partition(": ")[2].split(" -> ")[0]
            merged[head] = f"{head}: {first} -> {tail.split(' -> ')[1]}"
        else:
            merged.setdefault(head if " -> " in tail else note, note)
    return list(merged.values())
