"""PDF manuals as vendors ship them: one made by a real tool (pandoc + LibreOffice, from our welding robot
manual) is ingested with its pages and headings, and the answer cites the page; a scanned PDF (an image,
no text layer) is reported as needing OCR instead of being ingested empty. Real Chroma and model."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from typer.testing import CliRunner

from agent.factory import make_agent
from channels.service import ChatService
from sentient import cli as cli_module
from sentient.cli import app
from sentient.retrieval_wiring import RetrievalHub
from sentient.settings import Settings, get_settings
from textkit.tokens import TokenCounter

MANUAL = (
    Path(__file__).resolve().parents[2] / "manuals" / "mch-003-welding-robot-c1" / "welding-robot-c1.en.md"
)
needs_tools = pytest.mark.skipif(
    not (shutil.which("pandoc") and shutil.which("soffice")),
    reason="pandoc and LibreOffice are not installed",
)
pytestmark = [needs_tools, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


def vendor_pdf(folder: Path) -> Path:
    """Our welding robot manual as a PDF: Markdown -> ODT (pandoc) -> PDF (LibreOffice, headless)."""
    folder.mkdir(parents=True, exist_ok=True)
    odt = folder / "welding-robot-c1.odt"
    subprocess.run(["pandoc", str(MANUAL), "-o", str(odt)], check=True, timeout=120)
    profile = folder.parent / "lo-profile"  # a private profile: no clash with another LibreOffice
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(odt),
        ],
        check=True,
        timeout=180,
        capture_output=True,
    )
    odt.unlink()
    return folder / "welding-robot-c1.pdf"


def scanned_pdf(path: Path) -> Path:
    """A page photographed rather than typeset: text drawn into an image, saved as a PDF with no text."""
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=36)
    for n, line in enumerate(["E-410 Wire feed fault", "Check the drive roller and the liner."]):
        draw.text((120, 160 + 60 * n), line, fill="black", font=font)
    page.save(path, "PDF", resolution=150)
    return path


def page_with(pdf: Path, text: str) -> int:
    """The 1-based page whose text layer holds `text`."""
    pages = [p.extract_text() or "" for p in PdfReader(pdf).pages]
    return next(n for n, t in enumerate(pages, 1) if text in t)


def test_vendor_pdf_is_cited_with_its_page_and_a_scan_is_reported(
    seeded_engine: Engine, spec_today: date, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the CLI's console was made at import (maybe by another test, at 80 columns): no wrapped lines
    monkeypatch.setattr(cli_module.console, "width", 200)
    docs = tmp_path / "docs" / "mch-003-vendor"
    pdf = vendor_pdf(docs)
    scanned_pdf(docs / "scanned-service-bulletin.pdf")
    env = {
        "DATABASE_URL": seeded_engine.url.render_as_string(hide_password=False),
        "DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "200",
    }
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["ingest", str(tmp_path / "docs")], env=env)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "mch-003-vendor/scanned-service-bulletin.pdf: no text layer: OCR needed (1 pages" in result.output

    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    service = RetrievalHub(settings).service()
    chunks = service.store.all_chunks()
    assert {c.source for c in chunks} == {"mch-003-vendor/welding-robot-c1.pdf"}  # the scan added nothing
    assert all(c.page >= 1 for c in chunks)
    # the error-code headings the PDF's styling carried are recovered, each chunk on its real page
    e410 = [c for c in chunks if c.section.endswith("4. Error codes > E-410 Wire feed fault")]
    assert e410 and e410[0].page == page_with(pdf, "E-410 Wire feed fault")

    sessions = sessionmaker(seeded_engine)
    agent = make_agent(sessions, spec_today, manuals=service)
    chat = ChatService(agent, sessions, TokenCounter(tmp_path / "tiktoken"))
    for message, label in (
        ("MCH-003 stops with E-410, what do I check?", "p."),
        ("mesin las MCH-003 error E-410, apa yang harus dicek?", "hal."),
    ):
        reply = chat.chat("operator1", message, channel="t")
        top = reply.citations[0]
        assert top["source"].endswith(".pdf") and "E-410" in top["section"], reply.citations
        # the page cited is the page the quoted text is printed on
        assert top["page"] in {c.page for c in e410} and f", {label} {top['page']}" in reply.answer
        quoted = reply.answer.splitlines()[1].strip()
        assert page_with(pdf, quoted) == top["page"], (quoted, reply.answer)
