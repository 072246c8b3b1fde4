"""The docs stay true to the code: every setting and CLI command is documented where a reader looks for
it, every relative link and anchor resolves, and the README stays a short front door."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from sentient.cli import app
from sentient.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
CONFIGURATION = DOCS / "configuration.md"
CLI = DOCS / "cli.md"
INDEX = DOCS / "README.md"
README_MAX_LINES = 250

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
LINK = re.compile(r"!?\[(?:[^\]`]|`[^`]*`)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
INLINE_CODE = re.compile(r"`+[^`]*`+")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto: …
SETTING_ROW = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|")


def markdown_files() -> list[Path]:
    """The README and every page under docs/."""
    return [README, *sorted(DOCS.glob("*.md"))]


def prose_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) outside fenced code blocks."""
    fenced = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation removed, spaces to hyphens."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", heading)  # images vanish
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "")  # HTML tags and code marks
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())  # \w: letters, digits, underscore (Unicode)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a markdown file, with GitHub's -1, -2 … suffixes for repeats."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for _, line in prose_lines(path):
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, target) of every markdown link and image outside code."""
    for number, line in prose_lines(path):
        for match in LINK.finditer(INLINE_CODE.sub("``", line)):
            yield number, match.group(1)


def commands(group: Any, prefix: str = "sentient") -> Iterator[str]:
    """Every runnable command of the CLI as typed, e.g. `sentient db upgrade`, groups walked recursively.

    Duck-typed on `.commands`: recent typer builds its groups on its own copy of click, not on click's.
    """
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):
            yield from commands(command, path)
        else:
            yield path


def cli_commands() -> list[str]:
    """The commands of the typer app in sentient/cli.py."""
    return list(commands(typer.main.get_command(app)))


def test_slug_follows_github() -> None:
    assert slug("The model: local llama.cpp sidecar or vLLM, circuit breaker") == (
        "the-model-local-llamacpp-sidecar-or-vllm-circuit-breaker"
    )
    assert slug("Ad-hoc queries (`query_views`)") == "ad-hoc-queries-query_views"
    assert slug("Synthetic history (`--scale N`)") == "synthetic-history---scale-n"
    assert slug("`GET /api/search`") == "get-apisearch"


def test_every_setting_is_documented_in_configuration_md() -> None:
    text = CONFIGURATION.read_text(encoding="utf-8")
    missing = [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in text]
    assert not missing, f"settings missing from {CONFIGURATION.relative_to(ROOT)}: {missing}"


def test_configuration_md_lists_no_setting_that_does_not_exist() -> None:
    known = {name.upper() for name in Settings.model_fields}
    listed = []
    for _, line in prose_lines(CONFIGURATION):
        if line.startswith("## Not settings"):
            break  # variables read by tests, benchmarks and tooling follow
        match = SETTING_ROW.match(line)
        if match:
            listed.append(match.group(1))
    assert listed, "no setting rows found"
    assert not [name for name in listed if name not in known]


def test_every_cli_command_is_documented_in_cli_md() -> None:
    text = CLI.read_text(encoding="utf-8")
    found = cli_commands()
    assert "sentient db upgrade" in found and "sentient alerts run" in found  # the walk reaches sub-typers
    missing = [c for c in found if f"`{c}`" not in text]
    assert not missing, f"commands missing from {CLI.relative_to(ROOT)}: {missing}"


def test_cli_md_documents_no_command_that_does_not_exist() -> None:
    real = set(cli_commands())
    headed = [
        match.group(2).strip("`")
        for _, line in prose_lines(CLI)
        if (match := HEADING.match(line)) and match.group(2).startswith("`sentient ")
    ]
    assert headed
    assert not [c for c in headed if c not in real]


@pytest.mark.parametrize("page", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_and_anchors_resolve(page: Path) -> None:
    broken = []
    for number, target in links(page):
        if EXTERNAL.match(target):
            continue
        file_part, _, anchor = target.partition("#")
        dest = (page.parent / file_part).resolve() if file_part else page
        where = f"{page.relative_to(ROOT)}:{number}: {target}"
        if not dest.exists():
            broken.append(f"{where} (no such file)")
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{where} (no such heading)")
    assert not broken, "\n".join(broken)


def test_index_links_every_page() -> None:
    linked = {
        (INDEX.parent / t.partition("#")[0]).resolve() for _, t in links(INDEX) if not EXTERNAL.match(t)
    }
    pages = {p.resolve() for p in DOCS.glob("*.md") if p != INDEX}
    assert not sorted(str(p.relative_to(ROOT)) for p in pages - linked)


def test_readme_is_a_short_front_door() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES
    first_section = text.split("\n## ", 1)[0]  # the title and the opening, before the first section heading
    assert "sentient doctor" in first_section
    targets = {t for _, t in links(README)}
    assert "docs/README.md" in targets and "docs/local-model.md" in targets
