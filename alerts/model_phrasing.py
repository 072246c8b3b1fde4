"""Alert text by the model when it is up: phrased for the recipient's language and role, checked like a chat
answer, and the deterministic template whenever the model is off, resting, slow or not trustworthy."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from agent.llm_support import check_answer
from agent.llm_sync import SyncRunner
from alerts.phrasing import Tone, body, fact_text
from alerts.types import Finding
from models.port import ChatModel
from prompts import ContextItem, render

log = logging.getLogger(__name__)
_MARKUP = re.compile(r"[{}<>\[\]]")
MAX_CHARS = 600  # an alert is a few lines on a phone; a longer text is the model rambling
ASK = {
    "id": "Tulis peringatan WhatsApp singkat (maksimal 3 baris) tentang kondisi ini untuk pembaca ini.",
    "en": "Write a short WhatsApp alert (at most 3 lines) about this condition for this reader.",
}


class ModelPhraser:
    """Phrases an alert's sentence with the model, within a time budget per evaluation run."""

    def __init__(
        self,
        model: Callable[[], ChatModel | None],
        runner: SyncRunner | None = None,
        *,
        timeout_s: float = 15.0,
        run_budget_s: float = 60.0,
        max_tokens: int = 120,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model, self.runner = model, runner or SyncRunner()
        self.timeout_s, self.run_budget_s, self.max_tokens = timeout_s, run_budget_s, max_tokens
        self.clock = clock
        self._deadline = 0.0
        self._cache: dict[tuple[str, str, str, str], str | None] = {}
        self.stats = {"model": 0, "template": 0}  # messages worded by each
        self.asked = 0  # model calls made

    def close(self) -> None:
        """Close the runner's private event loop (the wiring closes the model client on it first)."""
        self.runner.close()

    def begin_run(self) -> None:
        """Start an evaluation run: a fresh time budget, so the model never holds the run for long."""
        self._deadline = self.clock() + self.run_budget_s
        self._cache.clear()

    def __call__(self, finding: Finding, role: str, lang: str, tone: Tone) -> str:
        """The alert sentence for this reader: the model's when it passes the checks, else the template's."""
        template = body(finding, lang)
        key = (finding.key, finding.severity, lang, tone)  # one model call per alert and kind of reader
        if key not in self._cache:
            self._cache[key] = self._ask(finding, role, lang, template)
        text = self._cache[key]
        self.stats["model" if text else "template"] += 1
        return text or template

    def _ask(self, finding: Finding, role: str, lang: str, template: str) -> str | None:
        model = self.model()
        if model is None or self.clock() >= self._deadline:
            return None
        facts = {name: fact_text(name, value, lang) for name, value in finding.facts.items()}
        data: dict[str, Any] = {"alert": finding.alert_type, "severity": finding.severity, "facts": facts}
        prompt = render(role, lang, question=ASK[lang], context=[ContextItem("alert", data)])
        timeout = min(self.timeout_s, max(0.1, self._deadline - self.clock()))
        self.asked += 1
        try:
            completion = self.runner(_complete(model, prompt.messages, self.max_tokens, timeout))
        except Exception as exc:  # model down, breaker open, timeout: the template goes out instead
            log.info("alert phrased by template: %s", type(exc).__name__)
            return None
        text = completion.text.strip()
        verdict = check_answer(
            text, system_prompt=prompt.system, sources=[data, template], must_carry=template
        )
        reason = verdict.reason if not verdict.ok else _shape_problem(verdict.text, facts)
        if reason:
            log.info("model alert text not used: %s", reason)
            return None
        return verdict.text


def _shape_problem(text: str, facts: dict[str, str]) -> str | None:
    """Why a grounded text still is no alert: too long, or the prompt's data recited back (markup, JSON,
    field names), which a small model does often and grounding cannot see (every figure in it is right)."""
    if len(text) > MAX_CHARS or text.count("\n") > 3:
        return "too long"
    # Field names like overdue_amt never occur in prose; plain ones ("day", "machine") do.
    if _MARKUP.search(text) or any(name in text for name in facts if "_" in name):
        return "recites the prompt's data"
    return None


async def _complete(model: ChatModel, messages: list[dict[str, Any]], max_tokens: int, timeout: float) -> Any:
    return await asyncio.wait_for(
        model.complete(messages, max_tokens=max_tokens, temperature=0.2), timeout=timeout
    )
