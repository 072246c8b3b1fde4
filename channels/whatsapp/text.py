"""Inbound text hygiene and outbound splitting into WhatsApp-sized parts."""

from __future__ import annotations

import re

MAX_PART = 1600  # Twilio's body limit for one WhatsApp message (21617)

# NUL and every C0/C1 control character except newline and tab, which carry layout.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def clean_inbound(text: str) -> str:
    """Strip NUL and control characters; keep newlines; trim."""
    return _CONTROL.sub("", text).replace("\r\n", "\n").strip()


def normalize_phone(value: str) -> str:
    """`whatsapp:+6281...` -> `+6281...` (what adm_user.phone holds)."""
    return value.strip().removeprefix("whatsapp:").strip()


def split_message(text: str, limit: int = MAX_PART) -> list[str]:
    """Parts of at most `limit` characters, cut at line ends, else sentence ends, else spaces."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    current = ""
    for piece in _pieces(text, limit):
        joined = f"{current}{piece}" if current else piece.lstrip()
        if len(joined.rstrip()) <= limit:
            current = joined
            continue
        if current.strip():
            parts.append(current.rstrip())
        current = piece.lstrip()
    if current.strip():
        parts.append(current.rstrip())
    return parts


def _pieces(text: str, limit: int) -> list[str]:
    """Lines (with their newline); a line longer than `limit` becomes sentences, then words, then slices."""
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        if len(line) <= limit:
            out.append(line)
            continue
        for sentence in _split_keep(line, _SENTENCE_END):
            if len(sentence) <= limit:
                out.append(sentence)
                continue
            for word in _split_keep(sentence, re.compile(r"(?<= )")):
                out.extend(word[i : i + limit] for i in range(0, len(word), limit))
    return out


def _split_keep(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Split after each match, keeping the separator with the piece before it."""
    pieces, start = [], 0
    for match in pattern.finditer(text):
        if match.end() > start:
            pieces.append(text[start : match.end()])
            start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces
