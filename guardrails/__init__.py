"""Guardrails: input checks, output checks (leak, links, unsafe advice, grounding) and PII masking."""

from guardrails import grounding, pii
from guardrails.grounding import GroundingResult
from guardrails.inputs import check_input
from guardrails.outputs import check_output
from guardrails.verdict import Category, Verdict

__all__ = ["Category", "GroundingResult", "Verdict", "check_input", "check_output", "grounding", "pii"]
