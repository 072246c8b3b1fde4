"""Sandwich prompts: persona and guardrails per role, budgeted live context, output format; versioned."""

from prompts.budget import ContextItem
from prompts.render import RenderedPrompt, default_counter, render, system_prompt
from prompts.templates import VERSION

__all__ = ["VERSION", "ContextItem", "RenderedPrompt", "default_counter", "render", "system_prompt"]
