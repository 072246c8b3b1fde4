"""`python -m bench.run --only guardrails`: sandwich prompt sizes per role, check costs, attack catch rates.

Baselines measured in the same run: the bare question's tokens (what a prompt without the sandwich
would send) and agent.core.clean_message, the cleaning every message already got before guardrails.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from typing import Any

from agent.core import clean_message
from eval.golden import load_golden
from guardrails import check_input, check_output, grounding
from prompts import ContextItem, default_counter, render
from tests import security_data as S

ROLES = {"executive": "DIRECTOR", "manager": "MANAGER_SALES", "operator": "OPERATOR"}
QUESTION = {
    "id": "berapa omzet bulan ini dan order mana yang terlambat?",
    "en": "revenue this month, late orders?",
}
CONTEXT = [
    ContextItem(
        "sales_summary",
        {"revenue": "1250000000.00", "orders": 42, "start": "2024-12-01", "end": "2024-12-27"},
        required_keys=("revenue",),
    ),
    ContextItem(
        "late_orders",
        {
            "rows": [
                {"so": f"SO-202412-{i:04d}", "customer": f"CUST-{i % 9:03d}", "amount": 1000000 * i}
                for i in range(60)
            ]
        },
    ),
]
ANSWER = (
    "Omzet Rp 1,25 miliar dari 42 order (1–27 Desember 2024).\n"
    "Terlambat: SO-202412-0003 (CUST-003) Rp 3.000.000."
)


def _per_call_us(func: Callable[[], Any], repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        func()
    return (time.perf_counter() - started) / repeat * 1e6


def _prompt_table() -> dict[str, Any]:
    count = default_counter().count
    out: dict[str, Any] = {}
    for tier, role in ROLES.items():
        for lang in ("id", "en"):
            prompt = render(role, lang, question=QUESTION[lang], context=CONTEXT, budget_tokens=600)
            bare = count(QUESTION[lang])
            out[f"{tier}.{lang}"] = {
                "system_tokens": count(prompt.system),
                "prompt_tokens": prompt.prompt_tokens,
                "bare_question_tokens": bare,
                "trimmed": prompt.trimmed,
            }
    return out


def _golden_questions() -> list[str]:
    return [re.sub(r"\{\w+\}", "SO-202412-0004", t.question) for item in load_golden() for t in item.turns]


def guardrails_section(args: argparse.Namespace) -> dict[str, Any]:
    """Prompt tokens per role and language, check costs against clean_message, catch and refusal rates."""
    prompts = _prompt_table()
    golden = _golden_questions()
    attacks = S.purplellama() + S.sysprompt_attacks()
    messages = golden + [p.text for p in attacks]
    system = render("DIRECTOR", "id", question="q", context=[]).system
    timings = {
        "clean_message_us": _per_call_us(lambda: [clean_message(m) for m in messages], 3) / len(messages),
        "check_input_us": _per_call_us(lambda: [check_input(m, "MANAGER_SALES") for m in messages], 3)
        / len(messages),
        "grounding_us": _per_call_us(lambda: grounding.check(ANSWER, [c.data for c in CONTEXT]), 50),
        "check_output_us": _per_call_us(
            lambda: check_output(ANSWER, system_prompt=system, sources=[c.data for c in CONTEXT]), 50
        ),
    }
    rates = {
        "golden_false_positive_rate": sum(not check_input(q, "DIRECTOR").ok for q in golden)
        / max(len(golden), 1),
        "attack_catch_rate": sum(not check_input(p.text, "MANAGER_SALES").ok for p in attacks)
        / max(len(attacks), 1),
        "golden_questions": len(golden),
        "attacks": len(attacks),
    }
    print(f"{'prompt':<14}{'system':>8}{'prompt':>8}{'bare q':>8}{'x bare':>8}")
    for name, row in prompts.items():
        ratio = row["prompt_tokens"] / max(row["bare_question_tokens"], 1)
        print(
            f"{name:<14}{row['system_tokens']:>8}{row['prompt_tokens']:>8}{row['bare_question_tokens']:>8}{ratio:>8.0f}"
        )
    base = timings["clean_message_us"]
    for name, value in timings.items():
        print(f"{name:<20}{value:>10.1f} µs  x{value / base:>7.1f} clean_message")
    print(
        f"check_input: {rates['attack_catch_rate']:.1%} of {rates['attacks']} attacks caught, "
        f"{rates['golden_false_positive_rate']:.1%} of {rates['golden_questions']} golden questions refused"
    )
    return {"prompts": prompts, "timings_us": timings, "rates": rates}
