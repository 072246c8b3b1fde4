"""Loaders, section-aware chunking and chunk metadata, with the real offline tokenizer."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import pytest

from retrieval.chunking import chunk_document
from retrieval.loaders import iter_documents, load_document
from retrieval.metadata import detect_metadata, find_machines, parse_front_matter
from retrieval.types import Chunk, Document
from textkit.tokens import TokenCounter

MARKDOWN = """\
---
machines: [MCH-003]
doc_type: troubleshooting
roles:
  - OPERATOR
  - "MANAGER_PROD"
---
# Welding Robot C1 Operator Manual

Read this manual before operating the cell.

Error codes
-----------

### E-410 Wire feed fault

Check the wire liner for kinks.

```
# not a heading, just a shell comment
```

### E-502 Gas flow low
Open the cylinder valve.
"""

ASCIIDOC = """\
:lang: en
:toc:

[[cha:hal]]
= HAL Basics

// an editor's note that must not be indexed
== HAL Commands

.Example Title
[source,hal]
----
== not a heading inside a listing
// a code comment that is content
----

////
a comment block
////
:sectnums:
=== net
The net command connects pins.
"""


@pytest.fixture(scope="module")
def counter(tmp_path_factory: pytest.TempPathFactory) -> TokenCounter:
    """One real tokenizer for the module (loading the BPE file takes a moment)."""
    return TokenCounter(tmp_path_factory.mktemp("tiktoken"))


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def assert_lines_true(path: Path, doc: Document) -> None:
    """Every section line is the file's line at that number, or blank where the loader hid markup."""
    file_lines = path.read_text(encoding="utf-8").split("\n")
    for section in doc.sections:
        texts = section.text.split("\n")
        assert len(texts) == section.line_end - section.line_start + 1
        for offset, text in enumerate(texts):
            assert text in ("", file_lines[section.line_start - 1 + offset])


def pdf_bytes(pages: list[list[str]], title: str | None = None) -> bytes:
    """A minimal valid PDF with a Helvetica text layer, one text line per entry, built by hand."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, lines in enumerate(pages):
        shown = [f"({line.replace('(', '[').replace(')', ']')}) Tj T*" for line in lines]
        stream = "\n".join(["BT", "/F1 12 Tf", "14 TL", "72 720 Td", *shown, "ET"]).encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    if title:
        objects.append(f"<< /Title ({title}) >>".encode())
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    info = f" /Info {len(objects)} 0 R" if title else ""
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# --- loaders ---------------------------------------------------------------------------------------------


def test_markdown_heading_paths_and_line_ranges(tmp_path: Path) -> None:
    path = write(tmp_path, "mch-003/welding-robot-c1.en.md", MARKDOWN)
    doc = load_document(path, tmp_path)
    title = "Welding Robot C1 Operator Manual"
    assert (doc.source, doc.fmt, doc.title) == ("mch-003/welding-robot-c1.en.md", "markdown", title)
    assert doc.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    got = [(s.heading_path, s.line_start, s.line_end) for s in doc.sections]
    assert got == [
        ((title,), 1, 7),  # the front matter, kept raw for the metadata reader
        ((title,), 8, 10),
        ((title, "Error codes"), 12, 13),
        ((title, "Error codes", "E-410 Wire feed fault"), 15, 21),
        ((title, "Error codes", "E-502 Gas flow low"), 23, 24),
    ]
    assert_lines_true(path, doc)


def test_asciidoc_skips_markup_and_keeps_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "hal/basic-hal.adoc", ASCIIDOC)
    doc = load_document(path, tmp_path)
    assert doc.title == "HAL Basics"
    got = [(s.heading_path, s.line_start, s.line_end) for s in doc.sections]
    assert got == [
        (("HAL Basics",), 5, 5),
        (("HAL Basics", "HAL Commands"), 8, 15),
        (("HAL Basics", "HAL Commands", "net"), 21, 22),
    ]
    assert_lines_true(path, doc)
    commands = doc.sections[1].text
    assert ".Example Title" in commands  # a block title is text, not a heading
    assert "== not a heading inside a listing" in commands and "// a code comment" in commands
    whole = "\n".join(s.text for s in doc.sections)
    assert "editor's note" not in whole and "comment block" not in whole
    assert ":toc:" not in whole and ":sectnums:" not in whole and "[[cha:hal]]" not in whole


def test_asciidoc_unclosed_block_does_not_swallow_headings(tmp_path: Path) -> None:
    path = write(tmp_path, "a.adoc", "= Doc\n\n== One\n\n----\nstray delimiter\n\n== Two\ntext\n")
    doc = load_document(path, tmp_path)
    assert [s.heading_path[-1] for s in doc.sections] == ["Doc", "One", "Two"]


def test_text_without_headings_is_one_section_named_by_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "notes/shift-notes.txt", "\nCheck the chiller.\n\nLog the pressure.\n\n")
    doc = load_document(path, tmp_path)
    assert doc.title == "shift-notes"
    assert [(s.heading_path, s.line_start, s.line_end) for s in doc.sections] == [(("shift-notes",), 2, 4)]


def test_text_caps_and_numbered_headings(tmp_path: Path) -> None:
    text = (
        "INJECTION MOLDING B2 QUICK GUIDE\n\n"
        "1. SAFETY\n\nClose the gate before purging.\n1. Turn off heaters.\n\n"
        "2. STARTUP\n\nHeat the barrel.\n\n"
        "2.1 Daily checks\n\nCheck oil level.\n\n"
        "WARNING\n\nHot surfaces.\n"
    )
    path = write(tmp_path, "b2.txt", text)
    doc = load_document(path, tmp_path)
    title = "INJECTION MOLDING B2 QUICK GUIDE"
    assert doc.title == title
    assert [(s.heading_path, s.line_start, s.line_end) for s in doc.sections] == [
        ((title,), 1, 1),
        ((title, "1. SAFETY"), 3, 6),
        ((title, "2. STARTUP"), 8, 10),
        ((title, "2. STARTUP", "2.1 Daily checks"), 12, 18),  # "WARNING" is an admonition, not a heading
    ]
    assert_lines_true(path, doc)


def test_pdf_sections_from_headings_with_metadata_title(tmp_path: Path) -> None:
    pages = [
        ["Welding Robot C1", "1. SAFETY", "Wear a welding helmet.", "Keep the cell closed."],
        ["2. ERROR CODES", "E-410 Wire feed fault: check the liner."],
    ]
    path = tmp_path / "c1.pdf"
    path.write_bytes(pdf_bytes(pages, title="Welding Robot C1 Operator Manual"))
    doc = load_document(path, tmp_path)
    title = "Welding Robot C1 Operator Manual"
    assert (doc.fmt, doc.title) == ("pdf", title)
    assert [(s.heading_path, s.line_start, s.line_end) for s in doc.sections] == [
        ((title,), 1, 1),
        ((title, "1. SAFETY"), 2, 4),
        ((title, "2. ERROR CODES"), 5, 6),
    ]
    assert doc.sections[2].text == "2. ERROR CODES\nE-410 Wire feed fault: check the liner."


def test_pdf_without_headings_has_a_section_per_page(tmp_path: Path) -> None:
    path = tmp_path / "memo.pdf"
    path.write_bytes(
        pdf_bytes([["Maintenance memo", "Grease the rails weekly."], ["Replace filters monthly."]])
    )
    doc = load_document(path, tmp_path)
    assert doc.title == "Maintenance memo"
    got = [(s.heading_path, s.line_start, s.line_end) for s in doc.sections]
    assert got == [(("Maintenance memo", "Page 1"), 1, 2), (("Maintenance memo", "Page 2"), 3, 3)]


def test_unknown_or_damaged_files_raise_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported"):
        load_document(write(tmp_path, "manual.docx", "x"), tmp_path)
    with pytest.raises(ValueError, match="unreadable PDF"):
        load_document(write(tmp_path, "broken.pdf", "not a pdf"), tmp_path)


def test_iter_documents_sorted_supported_and_not_hidden(tmp_path: Path) -> None:
    for name in [
        "b/z.md",
        "a.adoc",
        "b/a.txt",
        ".git/x.md",
        "b/.cache/y.md",
        "c.docx",
        "b/.hidden.md",
        "d.PDF",
    ]:
        write(tmp_path, name, "x")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_documents(tmp_path)]
    assert found == ["a.adoc", "b/a.txt", "b/z.md", "d.PDF"]
    single = tmp_path / "a.adoc"
    assert list(iter_documents(single)) == [single]
    assert load_document(single, single).source == "a.adoc"


# --- chunking --------------------------------------------------------------------------------------------


def long_manual() -> str:
    """A manual whose second section is far larger than one chunk, in paragraphs of varied length."""
    paragraphs = []
    for n in range(1, 25):
        sentences = " ".join(
            f"Step {n}.{k} checks torque value {n * k} on the spindle drive." for k in range(1, n % 5 + 2)
        )
        paragraphs.append(sentences)
    return (
        "# CNC Milling A1 Manual\n\nIntro text about the Haas VF-2 machine and its daily use.\n\n"
        "## Spindle maintenance\n\n" + "\n\n".join(paragraphs) + "\n\n## Coolant\n\nTop up coolant weekly.\n"
    )


def chunks_of(tmp_path: Path, counter: TokenCounter, name: str, text: str, **kw: int) -> list[Chunk]:
    doc = load_document(write(tmp_path, name, text), tmp_path)
    return chunk_document(doc, counter, machines=MACHINES, **kw)


def test_long_section_is_split_within_limit_with_overlap(tmp_path: Path, counter: TokenCounter) -> None:
    chunks = chunks_of(tmp_path, counter, "a1.md", long_manual(), max_tokens=120, overlap_tokens=24)
    spindle = [c for c in chunks if c.section.endswith("Spindle maintenance")]
    assert len(spindle) >= 4
    assert all(c.tokens == counter.count(c.text) <= 120 for c in chunks)
    for before, after in itertools.pairwise(spindle):
        assert after.line_start <= before.line_end  # the overlap repeats lines of the previous chunk
        head = after.text[:40]
        assert head in before.text
    coolant = next(c for c in chunks if c.section.endswith("Coolant"))
    assert coolant.line_start > spindle[-1].line_end  # no overlap across sections
    assert "Step" not in coolant.text


def test_chunk_lines_cover_the_section_and_are_true(tmp_path: Path, counter: TokenCounter) -> None:
    text = long_manual()
    chunks = chunks_of(tmp_path, counter, "a1.md", text, max_tokens=100, overlap_tokens=20)
    file_lines = text.split("\n")
    covered = {n for c in chunks for n in range(c.line_start, c.line_end + 1)}
    assert {n for n, line in enumerate(file_lines, start=1) if line.strip()} <= covered
    for chunk in chunks:
        span = "\n".join(file_lines[chunk.line_start - 1 : chunk.line_end])
        for line in chunk.text.split("\n"):
            assert line.strip() in span


def test_very_long_line_is_cut_at_words(tmp_path: Path, counter: TokenCounter) -> None:
    text = "# Table\n\n" + " ".join(f"|param{n} value{n}" for n in range(600)) + "\n"
    chunks = chunks_of(tmp_path, counter, "t.md", text, max_tokens=64, overlap_tokens=8)
    assert len(chunks) > 5 and all(c.tokens <= 64 for c in chunks)
    assert all((c.line_start, c.line_end) == (3, 3) for c in chunks[1:])


def test_ids_are_deterministic_and_local_to_the_edited_section(tmp_path: Path, counter: TokenCounter) -> None:
    text = long_manual()
    first = chunks_of(tmp_path, counter, "a1.md", text, max_tokens=120, overlap_tokens=24)
    again = chunks_of(tmp_path, counter, "a1.md", text, max_tokens=120, overlap_tokens=24)
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)
    edited = text.replace("Top up coolant weekly.", "Top up coolant daily.\n\nInserted line.\n\n")
    edited = edited.replace("Intro text", "Some new intro\n\nIntro text")
    changed = chunks_of(tmp_path, counter, "a1.md", edited, max_tokens=120, overlap_tokens=24)
    old_ids = {c.id for c in first if c.section.endswith("Spindle maintenance")}
    new_ids = {c.id for c in changed if c.section.endswith("Spindle maintenance")}
    assert old_ids == new_ids  # lines moved, content did not: same ids
    assert {c.id for c in first if c.section.endswith("Coolant")}.isdisjoint({c.id for c in changed})


def test_tiny_parent_joins_its_child_but_siblings_stay_apart(tmp_path: Path, counter: TokenCounter) -> None:
    text = (
        "# Welding Robot C1\n\n## Error codes\n\n"
        "### E-401 Gas low\nOpen gas.\n\n### E-410 Wire feed\nCheck liner.\n"
    )
    chunks = chunks_of(tmp_path, counter, "c1.md", text)
    assert [(c.section, c.line_start, c.line_end) for c in chunks] == [
        ("Welding Robot C1 > Error codes > E-401 Gas low", 1, 6),
        ("Welding Robot C1 > Error codes > E-410 Wire feed", 8, 9),
    ]
    assert chunks[0].text == "# Welding Robot C1\n\n## Error codes\n\n### E-401 Gas low\nOpen gas."


# --- metadata --------------------------------------------------------------------------------------------


def test_front_matter_is_parsed_and_wins(tmp_path: Path, counter: TokenCounter) -> None:
    parsed = parse_front_matter(MARKDOWN.split("\n"))
    assert parsed == {
        "machines": ["MCH-003"],
        "doc_type": "troubleshooting",
        "roles": ["OPERATOR", "MANAGER_PROD"],
    }
    assert parse_front_matter(["---", "lang: 'id'", "machines: MCH-001, Engel Victory 200", "---"]) == {
        "lang": "id",
        "machines": "MCH-001, Engel Victory 200",
    }
    assert parse_front_matter(["---", "", "Some text", "---"]) == {}  # a thematic break, not front matter
    chunks = chunks_of(tmp_path, counter, "safety/welding.md", MARKDOWN)
    assert all(c.doc_type == "troubleshooting" and c.roles == ("OPERATOR", "MANAGER_PROD") for c in chunks)
    assert all(c.machines == ("MCH-003",) for c in chunks)
    assert all("doc_type" not in c.text and c.line_start >= 8 for c in chunks)
    by_model = chunks_of(
        tmp_path, counter, "mch-003/a.md", "---\nmachines: [Haas VF-2]\n---\n# Guide\n\nText.\n"
    )
    assert [c.machines for c in by_model] == [("MCH-001",)]  # front matter wins over the path


MACHINES = (
    ("fanuc arc mate 100id", "MCH-003"),
    ("welding robot c1", "MCH-003"),
    ("haas vf 2", "MCH-001"),
    ("lathe turning d4", "MCH-009"),
)


def test_machines_from_codes_models_and_path(tmp_path: Path, counter: TokenCounter) -> None:
    """Names and models come from the caller (the warehouse at ingest), never from a list in the code."""
    assert find_machines("Fanuc ARC Mate 100iD and mch-002, also the haas vf-2", MACHINES) == {
        "MCH-001",
        "MCH-002",
        "MCH-003",
    }
    assert find_machines("Fanuc ARC Mate 100iD") == set()  # without the master data: codes only
    assert find_machines("the Lathe Turning D4 chuck", MACHINES) == {"MCH-009"}
    assert find_machines("MCH-0030 and the welding robotics C1x", MACHINES) == set()
    text = "# Guide\n\n## Cooling\n\nCheck MCH-002 hoses.\n\n## Other\n\nNothing here at all today.\n"
    chunks = chunks_of(tmp_path, counter, "mch-003/guide.md", text)
    assert [c.machines for c in chunks] == [("MCH-002", "MCH-003"), ("MCH-003",)]


def test_language_from_file_name_text_and_front_matter(tmp_path: Path, counter: TokenCounter) -> None:
    english = "# Manual\n\nCheck the oil level of the machine every day.\n"
    indonesian = "# Panduan\n\nPeriksa level oli mesin setiap hari dan tolong catat hasil untuk laporan.\n"
    assert {c.lang for c in chunks_of(tmp_path, counter, "x.id.md", english)} == {"id"}
    assert {c.lang for c in chunks_of(tmp_path, counter, "y.md", indonesian)} == {"id"}
    assert {c.lang for c in chunks_of(tmp_path, counter, "z.md", english)} == {"en"}
    assert {c.lang for c in chunks_of(tmp_path, counter, "w.md", "---\nlang: en\n---\n" + indonesian)} == {
        "en"
    }


def test_doc_type_from_path_then_headings(tmp_path: Path) -> None:
    text = (
        "# Operator Manual\n\n## Safety rules\n\nWear gloves.\n\n"
        "## Error codes\n\nE-1: reset.\n\n## Start\n\nPress go.\n"
    )
    doc = load_document(write(tmp_path, "manuals/c1.md", text), tmp_path)
    assert [detect_metadata(doc, s.text, s.heading_path)["doc_type"] for s in doc.sections] == [
        "manual",
        "safety",
        "troubleshooting",
        "manual",
    ]
    doc = load_document(write(tmp_path, "maintenance/c1.md", text), tmp_path)
    assert {detect_metadata(doc, s.text, s.heading_path)["doc_type"] for s in doc.sections} == {"maintenance"}


def test_asciidoc_chunks_hide_markup_and_keep_file_lines(tmp_path: Path, counter: TokenCounter) -> None:
    chunks = chunks_of(tmp_path, counter, "hal/basic-hal.adoc", "---\nmachines: [MCH-002]\n---\n" + ASCIIDOC)
    assert [(c.section, c.line_start, c.line_end) for c in chunks] == [
        ("HAL Basics > HAL Commands", 8, 18),  # the bare title joins its first subsection
        ("HAL Basics > HAL Commands > net", 24, 25),
    ]
    assert chunks[0].text.startswith("= HAL Basics\n\n== HAL Commands\n\n.Example Title")
    assert all(
        ":toc:" not in c.text and "editor's note" not in c.text and "machines" not in c.text for c in chunks
    )
    assert {c.machines for c in chunks} == {("MCH-002",)}
