"""Versioned prompt files, loaded from prompts/templates/<version>/ in one place."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from textkit.roles import Tier

VERSION = "v1"  # bump with a new templates/<version>/ folder; the version is logged with every LLM turn
LANGS = ("id", "en")
TIERS: tuple[Tier, ...] = ("executive", "manager", "operator")


@lru_cache(maxsize=256)
def load(name: str, lang: str, version: str = VERSION) -> str:
    """The text of templates/<version>/<name>.<lang>.md, without its trailing newline."""
    path = resources.files("prompts").joinpath(f"templates/{version}/{name}.{lang}.md")
    return path.read_text(encoding="utf-8").rstrip("\n")


def norm_lang(lang: str) -> str:
    """'en' for English, 'id' for anything else (the service's default language)."""
    return "en" if lang == "en" else "id"
