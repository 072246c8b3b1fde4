"""Load Markdown, AsciiDoc, plain text and PDF files into sections with heading paths and true line ranges.

Invariant every consumer can rely on: `section.text.split("\\n")` has exactly one entry per file line from
`line_start` to `line_end` (1-based, inclusive). Lines that carry no content (AsciiDoc comments, attribute
entries, anchors, conditionals) are kept as empty lines so the numbering stays true to the file; a
front-matter block is kept raw at the top of the first section (metadata.front_matter reads it, the
chunker blanks it). For PDFs the lines are those of the extracted text layer, pages in order.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from retrieval.metadata import front_matter_span, parse_front_matter
from retrieval.types import Document, Section

FORMATS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".adoc": "asciidoc",
    ".asciidoc": "asciidoc",
    ".txt": "text",
    ".pdf": "pdf",
}

_MD_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_MD_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MD_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_MD_NOT_SETEXT = re.compile(r"^( {0,3}([-*+>|<#]|\d+[.)]\s)| {4}|\t)")  # lists, quotes, tables, html, code

_AD_HEADING = re.compile(r"^(={1,6})[ \t]+(\S.*?)(?:[ \t]+=+)?[ \t]*$")
_AD_DELIMITER = re.compile(r"^(-{4,}|\.{4,}|={4,}|\*{4,}|_{4,}|\+{4,}|/{4,}|[|,:!]={3,}|`{3}.*|--)[ \t]*$")
_AD_VERBATIM = "-.+/`"  # listing, literal, passthrough, comment, fenced: nothing inside is markup
_AD_ATTRIBUTE = re.compile(r"^:!?[A-Za-z0-9_][A-Za-z0-9_-]*!?:(?:[ \t].*)?$")
_AD_NOISE = re.compile(r"^(\[\[[^\]]+\]\]|\[#[^\]]+\]|(?:ifdef|ifndef|ifeval|endif)::.*)[ \t]*$")

_TXT_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?[ \t]+(\S.*)$")
_TXT_UNDERLINE = re.compile(r"^(={3,}|-{3,})$")
_CODE_HEADING = re.compile(r"^[A-Z]{1,3}-?\d{2,4}\s+[A-Z(]\S*(?:\s+\S+){0,8}$")  # "E-410 Wire feed fault"
_ADMONITIONS = {"NOTE", "WARNING", "CAUTION", "DANGER", "IMPORTANT", "TIP", "CATATAN", "PERINGATAN", "BAHAYA"}


@dataclass(frozen=True)
class _Heading:
    index: int  # 0-based index of the line the section starts at
    level: int  # 0 = document title
    text: str


def iter_documents(root: Path) -> Iterator[Path]:
    """Supported files under root (root itself if it is a file), sorted; hidden files and folders and
    README files (about the folder, not a manual) are skipped."""
    if root.is_file():
        yield root
        return
    if not root.is_dir():
        raise FileNotFoundError(root)
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [
            Path(folder, f)
            for f in files
            if not f.startswith(".")
            and Path(f).suffix.lower() in FORMATS
            and not f.lower().startswith("readme")
        ]
    yield from sorted(found, key=lambda p: p.relative_to(root).as_posix())


def load_document(path: Path, root: Path) -> Document:
    """Parse one file by its extension; ValueError when the format is unsupported or the file unreadable."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"unsupported document format: {path}")
    raw = path.read_bytes()
    pages: tuple[tuple[int, int], ...] = ()
    if fmt == "pdf":
        lines, headings, title, pages = _pdf(raw, path)
    else:
        text_lines = _split_lines(raw.decode("utf-8-sig", errors="replace"))
        parse = {"markdown": _markdown, "asciidoc": _asciidoc, "text": _text}[fmt]
        lines, headings, title = parse(text_lines, path.stem)
    return Document(
        source=relative_source(path, root),
        fmt=fmt,
        title=title,
        sections=_sections(lines, headings, title),
        content_hash=hashlib.sha256(raw).hexdigest(),
        pages=pages,
    )


def _markdown(lines: list[str], stem: str) -> tuple[list[str], list[_Heading], str]:
    """ATX and setext headings outside fenced code; the front matter is skipped."""
    start = front_matter_span(lines)
    headings: list[_Heading] = []
    fence, underline = "", -1
    for i in range(start, len(lines)):
        line = lines[i]
        if fence:
            closing = line.strip()
            if closing and set(closing) == {fence[0]} and len(closing) >= len(fence):
                fence = ""
            continue
        if m := _MD_FENCE.match(line):
            fence = m.group(1)
        elif i == underline:
            continue
        elif (m := _MD_ATX.match(line)) and (m.group(2) or "").strip():
            headings.append(_Heading(i, len(m.group(1)), (m.group(2) or "").strip()))
        elif (
            i + 1 < len(lines)
            and line.strip()
            and not _MD_NOT_SETEXT.match(line)
            and (m := _MD_SETEXT.match(lines[i + 1]))
        ):
            headings.append(_Heading(i, 1 if m.group(1)[0] == "=" else 2, line.strip()))
            underline = i + 1
    return lines, headings, _title(lines, headings, stem)


def _asciidoc(lines: list[str], stem: str) -> tuple[list[str], list[_Heading], str]:
    """`=` headings outside delimited blocks; comments, attributes, anchors and conditionals blanked."""
    ignore: set[int] = set()
    while True:
        shown, headings, unclosed = _asciidoc_pass(lines, ignore)
        if unclosed is None:
            return shown, headings, _title(lines, headings, stem)
        ignore.add(unclosed)  # an opener never closed is a stray line, not a block: parse again without it


def _asciidoc_pass(lines: list[str], ignore: set[int]) -> tuple[list[str], list[_Heading], int | None]:
    shown = list(lines)
    headings: list[_Heading] = []
    blocks: list[tuple[int, str]] = []  # open delimited blocks: (line index, closing delimiter)
    attribute_continues = False
    for i in range(front_matter_span(lines), len(lines)):
        line = lines[i].rstrip()
        top = blocks[-1][1] if blocks else ""
        if top and line == top:
            blocks.pop()
            shown[i] = "" if top.startswith("//") else lines[i]
        elif top and top[0] in _AD_VERBATIM:
            shown[i] = "" if top.startswith("//") else lines[i]
        elif i not in ignore and (m := _AD_DELIMITER.match(line)):
            blocks.append((i, "```" if line.startswith("```") else m.group(1)))
            shown[i] = "" if line.startswith("//") else lines[i]
        elif attribute_continues or _AD_ATTRIBUTE.match(line):
            attribute_continues = line.endswith(" \\")  # the value goes on on the next line
            shown[i] = ""
        elif line.startswith("//") or _AD_NOISE.match(line):
            shown[i] = ""
        elif not blocks and (m := _AD_HEADING.match(line)):
            headings.append(_Heading(i, len(m.group(1)) - 1, m.group(2)))
    return shown, headings, blocks[-1][0] if blocks else None


def _text(lines: list[str], stem: str) -> tuple[list[str], list[_Heading], str]:
    """ALL-CAPS, numbered ("1. SAFETY") and underlined headings; otherwise one section named by the file."""
    headings = _text_headings(lines, relaxed=False)
    first = next((i for i, line in enumerate(lines) if line.strip()), -1)
    if headings and headings[0].index == first and not _TXT_NUMBERED.match(headings[0].text):
        headings[0] = _Heading(first, 0, headings[0].text)  # an opening caps line is the title
    title = headings[0].text if headings and headings[0].level == 0 else stem
    return lines, headings, title


class NoTextLayer(ValueError):
    """A PDF whose pages hold no text (a scan): it needs OCR before it can be ingested."""


def _pdf_pages(raw: bytes, path: Path) -> tuple[list[str], str]:
    """Each page's extracted text, and the title from the PDF's metadata."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(raw))
        texts = [page.extract_text() or "" for page in reader.pages]
        meta_title = str(reader.metadata.title or "").strip() if reader.metadata else ""
    except Exception as exc:  # pypdf raises many kinds of exception on damaged files
        raise ValueError(f"unreadable PDF {path}: {exc}") from exc
    if texts and not any(t.strip() for t in texts):
        raise NoTextLayer(f"no text layer: OCR needed ({len(texts):,} pages of images)")
    return texts, meta_title


def _pdf(raw: bytes, path: Path) -> tuple[list[str], list[_Heading], str, tuple[tuple[int, int], ...]]:
    """The text layer page by page; sections per detected heading, else one per page; and where each
    page starts (1-based line, page number), so citations can name the page."""
    texts, meta_title = _pdf_pages(raw, path)
    lines: list[str] = []
    pages: list[_Heading] = []
    starts: list[tuple[int, int]] = []
    for number, text in enumerate(texts, start=1):
        if text.strip():
            pages.append(_Heading(len(lines), 1, f"Page {number}"))
            starts.append((len(lines) + 1, number))
            lines += _split_lines(text.rstrip("\n"))
    first = next((line.strip() for line in lines if line.strip()), "")
    headings = _text_headings(lines, relaxed=True)
    return lines, headings or pages, meta_title or first or path.stem, tuple(starts)


def _text_headings(lines: list[str], *, relaxed: bool) -> list[_Heading]:
    """Heading-like lines of plain text; `relaxed` drops the blank-line context PDF extraction loses."""
    headings: list[_Heading] = []
    underline, chapter = -1, 0
    for i, line in enumerate(lines):
        text = line.strip()
        if not text or i == underline:
            continue
        blank_before = i == 0 or not lines[i - 1].strip()
        after = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if (
            blank_before
            and _TXT_UNDERLINE.match(after)
            and not _TXT_UNDERLINE.match(text)
            and len(text) <= 80
        ):
            headings.append(_Heading(i, 1 if after[0] == "=" else 2, text))
            underline = i + 1
        elif relaxed or (blank_before and not after):
            level = _text_heading_level(text) or (
                _pdf_heading_level(text, after, chapter) if relaxed else None
            )
            if level:
                headings.append(_Heading(i, level, text))
                if m := _TXT_NUMBERED.match(text):
                    chapter = int(m.group(1).split(".")[0])
    return headings


def _pdf_heading_level(text: str, after: str, chapter: int) -> int | None:
    """Headings a PDF's text layer loses the styling of: the next chapter, "3. Normal operation", and an
    error-code title, "E-410 Wire feed fault". Both must be whole lines (the next line starts a sentence
    or a list, it does not continue this one); numbered list items end with a full stop or run on."""
    if len(text) > 70 or text[-1] in ".,;:" or (after and after[0].islower()):
        return None
    if (m := _TXT_NUMBERED.match(text)) and "." not in m.group(1) and int(m.group(1)) == chapter + 1:
        return 1 if m.group(2)[0].isupper() else None
    if _CODE_HEADING.match(text):
        return 2
    return None


def _text_heading_level(text: str) -> int | None:
    """1 for an ALL-CAPS line, the numbering depth for "2.1 DAILY CHECKS"; None for ordinary text."""
    if len(text) > 80 or text[-1] in ".,;:" or text.rstrip("!").upper() in _ADMONITIONS:
        return None
    if m := _TXT_NUMBERED.match(text):
        depth = m.group(1).count(".") + 1
        body = m.group(2)
        return depth if _all_caps(body) or (depth > 1 and body[0].isupper()) else None
    return 1 if _all_caps(text) else None


def _all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _title(lines: list[str], headings: list[_Heading], stem: str) -> str:
    """Front-matter title, else the level-0 heading, else the only top-level heading, else the file stem."""
    declared = parse_front_matter(lines).get("title")
    if isinstance(declared, str) and declared:
        return declared
    if not headings:
        return stem
    top = min(h.level for h in headings)
    tops = [h for h in headings if h.level == top]
    return tops[0].text if top == 0 or len(tops) == 1 else stem


def _sections(lines: list[str], headings: list[_Heading], title: str) -> tuple[Section, ...]:
    """One section per heading (plus the text before the first), blank edges trimmed, paths from the title."""
    starts: list[tuple[int, _Heading | None]] = [(0, None), *((h.index, h) for h in headings)]
    stack: list[_Heading] = []
    sections: list[Section] = []
    for k, (first, heading) in enumerate(starts):
        if heading is not None:
            while stack and stack[-1].level >= heading.level:
                stack.pop()
            stack.append(heading)
        last = (starts[k + 1][0] if k + 1 < len(starts) else len(lines)) - 1
        while first <= last and not lines[first].strip():
            first += 1
        while last >= first and not lines[last].strip():
            last -= 1
        if first > last:
            continue
        names = tuple(h.text for h in stack)
        path = names if names and names[0] == title else (title, *names)
        sections.append(Section(path, "\n".join(lines[first : last + 1]), first + 1, last + 1))
    return tuple(sections)


def _split_lines(text: str) -> list[str]:
    # Only \n, \r\n and \r end lines, as editors count them (str.splitlines also splits on \f, \x1c, ...).
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def relative_source(path: Path, root: Path) -> str:
    """Document.source for a path: posix, relative to root (its folder when root is a file)."""
    base = root if root.is_dir() else root.parent
    relative = Path(os.path.relpath(path.absolute(), base.absolute())).as_posix()
    return path.name if relative.startswith("../") else relative
