"""The pages' Jinja2 environment with the people-facing number filters (shared by pages and error pages)."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from textkit import format as fmt

templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
templates.env.filters.update(
    money=lambda v, lang="en": "-" if v is None else fmt.money(v, lang),
    pct=lambda v, lang="en": fmt.pct(v, lang),
    qty=lambda v, lang="en": "-" if v is None else fmt.qty(v, lang),
    day=lambda v, lang="en": "-" if v is None else fmt.day(v, lang),
)
