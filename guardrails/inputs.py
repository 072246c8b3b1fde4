"""Input checks on a user's message: length, control characters, prompt injection, other roles' data."""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata

from guardrails.patterns import CROSS_ROLE, INJECTION, ROLE_CLAIMS
from guardrails.verdict import Verdict

MAX_INPUT_CHARS = 2_000  # the agent's own cap (agent.core.MAX_MESSAGE_CHARS); longer is refused, not cut
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Zero-width and bidi-control characters hide words from pattern checks ("ig\u200bnore previous").
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad]")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{32,}={0,2}")
_BINARY = re.compile(r"(?:[01]{8}\s+){6,}")
_REPEAT = re.compile(r"\b(\w+(?:\s+\w+){0,2})(?:\s+\1\b){7,}", re.IGNORECASE)
SUPPORTED_SCRIPT_SHARE = 0.7  # the service speaks Indonesian and English: mostly Latin letters


def clean(text: str) -> str:
    """NFKC-normalised text without control or invisible characters (newlines and tabs kept)."""
    text = unicodedata.normalize("NFKC", text)
    return _CONTROL.sub(" ", _INVISIBLE.sub("", text)).strip()


def _fold(text: str) -> str:
    """Lower case with runs of spaces and punctuation collapsed, for the pattern checks."""
    return re.sub(r"\s+", " ", text.lower())


def _encoded_blob(text: str) -> str | None:
    """A base64 run that decodes to readable text, or a long binary string: smuggled instructions."""
    if _BINARY.search(text):
        return "binary-encoded text"
    for match in _BASE64.finditer(text):
        blob = match.group(0)
        try:
            raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=False)
        except (binascii.Error, ValueError):
            continue
        printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in raw)
        if raw and printable / len(raw) > 0.9:
            return "base64-encoded text"
    return None


def _latin_share(text: str) -> float:
    """Share of letters that are Latin; other scripts mean a language the service does not speak."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 1.0
    return sum("LATIN" in unicodedata.name(c, "") for c in letters) / len(letters)


def claimed_role(text: str) -> str | None:
    """The role code a message claims for its sender ("saya direktur", "as admin"), if any."""
    folded = _fold(text)
    for pattern, role in ROLE_CLAIMS:
        if pattern.search(folded):
            return role
    return None


def check_input(text: str, caller_role: str) -> Verdict:
    """Check one user message; the verdict's text is the cleaned message to hand to the agent."""
    cleaned = clean(text)
    if len(cleaned) > MAX_INPUT_CHARS:
        return Verdict.failed("too_long", f"{len(cleaned)} characters > {MAX_INPUT_CHARS}", cleaned)
    folded = _fold(cleaned)
    for name, pattern in INJECTION:
        if pattern.search(folded):
            return Verdict.failed("injection", name, cleaned)
    if _REPEAT.search(cleaned):
        return Verdict.failed("injection", "repeated tokens", cleaned)
    if _latin_share(cleaned) < SUPPORTED_SCRIPT_SHARE:
        return Verdict.failed("injection", "unsupported script", cleaned)
    encoded = _encoded_blob(cleaned)
    if encoded:
        return Verdict.failed("injection", encoded, cleaned)
    claimed = claimed_role(cleaned)
    if claimed and not caller_role.upper().startswith(claimed):
        return Verdict.failed("cross_role", f"claims role {claimed}", cleaned)
    for name, pattern in CROSS_ROLE:
        if pattern.search(folded):
            return Verdict.failed("cross_role", name, cleaned)
    return Verdict.passed(cleaned)
