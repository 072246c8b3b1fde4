"""PII masking for a non-local model: people's names and salaries leave the machine as placeholders.

`mask` replaces each known name with [PERSON_n] and each salary figure with [SALARY_n]; the returned
Masking keeps the reversible mapping so the model's answer can be unmasked before it reaches the user.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_SALARY = re.compile(
    r"(?P<label>\b(?:gaji|salary|salaries|upah|wage|wages|payroll|take[- ]home pay|thp)\b[^\d\n]{0,30}?)"
    r"(?P<amount>(?:(?:Rp\.?|IDR)\s?)?(?<![\w\[])\d+(?:[.,]\d+)*(?:\s?(?:juta|jt|rb|ribu|k|m|million|miliar))?)",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"\[(?:PERSON|SALARY)_\d+\]")


@dataclass
class Masking:
    """The masked text and the placeholder -> original mapping."""

    text: str
    mapping: dict[str, str] = field(default_factory=dict)

    def unmask(self, text: str) -> str:
        """Put the originals back into a text that uses this masking's placeholders."""
        return unmask(text, self.mapping)


def mask_text(text: str, names: Iterable[str], mapping: dict[str, str] | None = None) -> Masking:
    """Mask names (longest first, whole words, any case) and salary figures; reuse an existing mapping."""
    mapping = dict(mapping or {})
    reverse = {v.lower(): k for k, v in mapping.items()}

    def placeholder(kind: str, original: str) -> str:
        key = original.lower()
        if key not in reverse:
            count = sum(k.startswith(f"[{kind}_") for k in mapping) + 1
            reverse[key] = f"[{kind}_{count}]"
            mapping[reverse[key]] = original
        return reverse[key]

    # Salaries first: their label may sit before a name ("gaji Budi Rp 12 juta").
    text = _SALARY.sub(lambda m: m.group("label") + placeholder("SALARY", m.group("amount")), text)
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
        text = pattern.sub(lambda m: placeholder("PERSON", m.group(0)), text)
    return Masking(text, mapping)


def mask(text: str, names: Iterable[str]) -> str:
    """The text with names and salaries masked (use mask_text to keep the mapping for unmask)."""
    return mask_text(text, names).text


def unmask(text: str, mapping: dict[str, str]) -> str:
    """Replace placeholders by their originals; unknown placeholders are left as they are."""
    return _PLACEHOLDER.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)


def mask_messages(
    messages: list[dict[str, str]], names: Iterable[str]
) -> tuple[list[dict[str, str]], Masking]:
    """Mask every message of a chat call with one shared mapping; returns the messages and the mapping."""
    names = list(names)
    masking = Masking("", {})
    out = []
    for message in messages:
        masked = mask_text(message["content"], names, masking.mapping)
        masking.mapping = masked.mapping
        out.append({**message, "content": masked.text})
    return out, masking
