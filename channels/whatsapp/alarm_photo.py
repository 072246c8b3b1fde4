"""A photo of the alarm screen: read the error code and its text with Tesseract (Debian's tesseract-ocr,
English and Indonesian data), so the operator gets the manual's answer for that code.

HMI screens are photographed at an angle, often light text on a dark background, with glare and noise.
The image is turned grey, inverted when dark, contrast-stretched, denoised and enlarged; its skew is
estimated (the rotation whose rows of text are sharpest: largest variance of the row means) and undone;
then Tesseract reads it once (and once more unrotated if no error code - E-410, E 410, E410 - was found).
"""

from __future__ import annotations

import difflib
import io
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps, ImageStat, UnidentifiedImageError

TESSERACT = "tesseract"
LANGS = "eng+ind"
SKEWS = tuple(a / 2 for a in range(-40, 41))  # -20 to 20 degrees in half-degree steps
SAME_LABEL = 0.75  # similarity (0-1) of a read label to a manual heading for the heading's spelling to win
MAX_PIXELS = 40_000_000  # a phone photo is 12-50 MP: larger is refused before decoding (decompression bomb)
_CODE = re.compile(r"(?<![A-Z0-9])([A-Z])\s?[-–—_.]?\s?(\d{3})(?!\d)")
_LOOKALIKE = str.maketrans({"£": "E", "€": "E", "|": "I"})  # what OCR makes of an E on a screen font
_TEXT_AFTER = re.compile(r"[^A-Za-z]*([A-Za-z][A-Za-z /()-]{2,60})")


@dataclass(frozen=True)
class Reading:
    """What was read off a screen: the error code (None when none was found) and the text beside it."""

    code: str | None
    label: str = ""

    @property
    def shown(self) -> str:
        """The reading as the reply quotes it: "E-410 Wire feed fault"."""
        return f"{self.code} {self.label}".strip() if self.code else ""


def available() -> bool:
    """Whether the tesseract program is installed."""
    return shutil.which(TESSERACT) is not None


def prepare(image: Image.Image) -> Image.Image:
    """Grey, dark screens inverted, contrast stretched, enlarged to ~1600 px wide, median-denoised."""
    grey = ImageOps.grayscale(image)
    if ImageStat.Stat(grey).mean[0] < 110:  # a dark screen: make the text dark on light
        grey = ImageOps.invert(grey)
    grey = ImageOps.autocontrast(grey, cutoff=2)
    if grey.width < 1600:
        grey = grey.resize((1600, int(grey.height * 1600 / grey.width)), Image.Resampling.LANCZOS)
    return grey.filter(ImageFilter.MedianFilter(5))  # salt-and-pepper noise and sensor grain


def binarise(grey: Image.Image) -> Image.Image:
    """Black text on white at Otsu's threshold, specks left by the threshold filtered out."""
    cut = _otsu(grey.histogram())
    return grey.point(lambda v: 255 if v > cut else 0).filter(ImageFilter.MedianFilter(3))


def _otsu(histogram: list[int]) -> int:
    """The grey level that best splits a histogram in two (Otsu's method): text from background."""
    total = sum(histogram)
    weighted = sum(i * h for i, h in enumerate(histogram))
    below = below_weighted = 0.0
    best, best_var = 128, -1.0
    for level, count in enumerate(histogram):
        below += count
        below_weighted += level * count
        above = total - below
        if not below or not above:
            continue
        between = below * above * (below_weighted / below - (weighted - below_weighted) / above) ** 2
        if between > best_var:
            best, best_var = level, between
    return best


def skew(grey: Image.Image) -> float:
    """The rotation that makes the text lines horizontal: lines of text and the gaps between them make
    the row means vary most when the rows line up with them."""
    small = grey.resize((400, max(1, int(grey.height * 400 / grey.width))), Image.Resampling.BILINEAR)
    best, best_score = 0.0, -1.0
    for angle in SKEWS:
        turned = small.rotate(angle, fillcolor=255, resample=Image.Resampling.BILINEAR)
        rows = list(turned.resize((1, turned.height), Image.Resampling.BOX).tobytes())
        mean = sum(rows) / len(rows)
        score = sum((r - mean) ** 2 for r in rows)
        if score > best_score:
            best, best_score = angle, score
    return best


def ocr(image: Image.Image, *, timeout_s: float = 30.0) -> str:
    """Tesseract's words of one prepared image, line by line (block-of-text mode); "" on failure.

    Word confidences do not tell a blurred real code from noise read as letters (both score 0-35 here),
    so a code read is checked against the manuals instead (channels/whatsapp/worker.py)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "screen.png"
        image.save(path)
        try:
            done = subprocess.run(
                [TESSERACT, str(path), "stdout", "-l", LANGS, "--psm", "6", "tsv"],
                capture_output=True,
                timeout=timeout_s,
                check=False,
                env={**os.environ, "OMP_THREAD_LIMIT": "1"},  # threads only fight on a small machine
            )
        except subprocess.TimeoutExpired:
            return ""
    if done.returncode != 0:
        return ""
    lines: dict[tuple[str, ...], list[str]] = {}
    for row in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) == 12 and cells[11].strip():
            lines.setdefault(tuple(cells[1:5]), []).append(cells[11])  # page, block, paragraph, line
    # A photo of nothing (noise, glare, a wall) still reads as "words", all of them low-confidence.
    return "\n".join(" ".join(words) for words in lines.values())


def find_code(text: str) -> Reading:
    """The first error code in OCR text, normalised to "E-410", with the words that follow it."""
    for line in text.splitlines():
        line = line.translate(_LOOKALIKE)
        match = _CODE.search(line.upper())
        if match:
            code = f"{match.group(1)}-{match.group(2)}"
            rest = _TEXT_AFTER.match(line[match.end() :])
            label = re.sub(r"\s+", " ", rest.group(1)).strip(" -/") if rest else ""
            return Reading(code, label)
    return Reading(None)


def spelled_as(reading: Reading, titles: list[str]) -> Reading:
    """The reading with its label spelled as the manual's heading for the code when OCR lost the spaces or
    a letter ("Witefeedfautt" -> "Wire feed fault"); a label unlike every heading is kept as read."""
    if not reading.code or not reading.label:
        return reading
    squashed = re.sub(r"[^a-z]", "", reading.label.lower())
    best, best_ratio = "", 0.0
    for title in titles:
        words = re.sub(rf"^\W*{re.escape(reading.code)}\W*", "", title, flags=re.IGNORECASE).strip()
        ratio = difflib.SequenceMatcher(None, squashed, re.sub(r"[^a-z]", "", words.lower())).ratio()
        if words and ratio > best_ratio:
            best, best_ratio = words, ratio
    return Reading(reading.code, best) if best_ratio >= SAME_LABEL else reading


def read_screen(data: bytes) -> Reading:
    """The error code and text on a photo of an alarm screen; Reading(None) when none can be read."""
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            return Reading(None)
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return Reading(None)
    grey = prepare(image)
    angle = skew(grey)

    def turn(img: Image.Image) -> Image.Image:
        return img.rotate(angle, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)

    # Tesseract is sensitive to small differences (JPEG blocks, a threshold off by a few levels, where the
    # threshold falls relative to the rotation): a few renderings of the same page, cheapest bet first.
    attempts = [lambda: turn(binarise(grey)), lambda: binarise(turn(grey)), lambda: turn(grey)]
    if angle:
        attempts.append(lambda: binarise(grey))
    for attempt in attempts:
        reading = find_code(ocr(attempt()))
        if reading.code:
            return reading
    return Reading(None)
