"""docs/traceability.md names only real things: every file it cites exists, and every `::test_name` is a
test function defined in that file (parametrized ids stripped)."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRACEABILITY = ROOT / "docs" / "traceability.md"

CODE_SPAN = re.compile(r"`([^`\s]+)`")
TEST_REF = re.compile(r"^(tests/[\w/.-]+\.py)::(\w+)(?:\[[^\]]*\])?$")
# A code span is a path when it looks like one: a folder ending in "/", or a file with a known suffix.
PATH = re.compile(r"^(?:\.?[\w-]+/)*(?:[\w.-]+\.(?:py|md|yml|yaml|toml|txt|tsv|jsonl|json|sh)|[\w.-]+/)$")
ROOT_FILES = {"Dockerfile", "Makefile"}


def spans() -> list[str]:
    """Every code span of the page that contains no space (names, paths, test references)."""
    return CODE_SPAN.findall(TRACEABILITY.read_text(encoding="utf-8"))


@cache
def functions_in(path: Path) -> frozenset[str]:
    """Names of every function defined in a Python file, at any depth (module level or in a class)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(
        node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    )


def test_references_are_found() -> None:
    refs = [s for s in spans() if TEST_REF.match(s)]
    assert len(refs) >= 50, "the page should cite the tests that prove each requirement"
    assert len([s for s in spans() if PATH.match(s)]) >= 30


def test_every_cited_test_exists() -> None:
    missing = []
    for span in spans():
        match = TEST_REF.match(span)
        if not match:
            continue
        path, name = ROOT / match.group(1), match.group(2)
        if not path.is_file():
            missing.append(f"{span}: no such file")
        elif not name.startswith("test_") or name not in functions_in(path):
            missing.append(f"{span}: no test function {name} in {match.group(1)}")
    assert not missing, "\n".join(missing)


def test_every_cited_file_exists() -> None:
    missing = [
        span
        for span in spans()
        if not TEST_REF.match(span)
        and (PATH.match(span) or span in ROOT_FILES)
        and not (ROOT / span).exists()
    ]
    assert not missing, f"cited in {TRACEABILITY.relative_to(ROOT)} but absent: {missing}"
