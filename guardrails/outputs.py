"""Output checks on a model's answer: prompt leak, links carrying data out, unsafe advice, grounding."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from typing import Any

from guardrails import grounding
from guardrails.verdict import Verdict

LEAK_NGRAM = 6  # words; a shared 6-word run is rarely chance in a short chat answer
# Shared n-grams before we call it a leak: 12 means a verbatim run of 17+ words (or several shorter ones).
# Shorter echoes are normal: "Stop the machine, apply lockout/tagout and call maintenance or the shift
# supervisor." is the operator persona's own advice, 13 words long.
LEAK_MIN_SHARED = 12
_WORD = re.compile(r"\w+", re.UNICODE)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\((?:[a-z]+:|//|www\.)[^)]*\)", re.IGNORECASE)
_HTML = re.compile(r"<\s*(?:img|a|iframe|script|link)\b[^>]*>", re.IGNORECASE)
_URL = re.compile(r"\b(?:https?|ftp|data|javascript):[^\s)>\]]+|\bwww\.[^\s)>\]]+", re.IGNORECASE)
_BASE64 = re.compile(r"[A-Za-z0-9+/]{24,}={0,2}")

NEGATION = re.compile(
    r"\b(?:never|not|don't|do not|dont|no|must not|mustn't|cannot|can't|jangan|dilarang|tidak boleh|"
    r"tidak|bukan|tanpa|hindari|avoid|forbidden|prohibited)\b",
    re.IGNORECASE,
)
_VERB = (
    r"(?:bypass\w*|by-pass\w*|disabl\w+|defeat\w*|overrid\w+|jumper\w*|bridg\w+|short(?:ing|ed)?(?: out)?|"
    r"tape (?:over|down)|taping|tap(?:e|ing) over|wedg\w+|block\w* open|cheat\w*|fool\w*|trick\w*|"
    r"turn(?:ing)? off|switch(?:ing)? off|deactivat\w+|remov\w+|unplug\w*|disconnect\w*|ignor\w+|"
    r"mem-?bypass|bypass|matikan|mematikan|nonaktifkan|menonaktifkan|lepas\w*|melepas\w*|copot\w*|"
    r"mencopot\w*|menjumper|jumper|akali|mengakali|ganjal|mengganjal|lakban|melakban|abaikan|mengabaikan|"
    r"putuskan|memutus\w*|cabut|mencabut)"
)
_GUARD = (
    r"(?:interlock\w*|safety (?:sensor|switch|relay|circuit|guard|device|interlock)s?|guards?|"
    r"light ?curtains?|e-?stops?|emergency stops?|emergency buttons?|door (?:switch|sensor|interlock)e?s?|"
    r"limit switch\w*|presence sensors?|two-hand controls?|sensor keselamatan|sakelar pintu|saklar pintu|"
    r"pelindung|tombol (?:henti )?darurat|tombol e-?stop|pengaman|sensor pintu)"
)
_UNSAFE = re.compile(
    rf"\b{_VERB}\b(?:\W+\w+){{0,5}}?\W+{_GUARD}|\b{_GUARD}\b(?:\W+\w+){{0,3}}?\W+{_VERB}\b", re.I
)
_SENTENCE = re.compile(r"[^.!?\n;]+[.!?\n;]?")


def _ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    words = [w.lower() for w in _WORD.findall(text)]
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _decoded(text: str) -> str:
    """Base64 runs of the answer decoded, so an encoded copy of the prompt is compared too."""
    out = []
    for blob in _BASE64.findall(text):
        try:
            out.append(base64.b64decode(blob + "=" * (-len(blob) % 4)).decode("utf-8", "ignore"))
        except (binascii.Error, ValueError):
            continue
    return " ".join(out)


def leaked(answer: str, system_prompt: str, n: int = LEAK_NGRAM, sources: list[Any] | None = None) -> int:
    """How many word n-grams of the system prompt the answer (or its base64 runs) repeats, not counting
    those the sources also hold (a manual may say what the persona says)."""
    prompt = _ngrams(system_prompt, n)
    if sources:
        prompt -= _ngrams(" ".join(str(s) for s in sources), n)
    return len(prompt & (_ngrams(answer, n) | _ngrams(_decoded(answer), n)))


def strip_links(text: str) -> str:
    """The text without markdown images, HTML tags and URLs; markdown links keep their label."""
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _HTML.sub("", text)
    return _URL.sub("", text)


def links(text: str, allowed_hosts: Iterable[str] = ()) -> list[str]:
    """Links, images and HTML tags that could carry data out, except those to allowed hosts."""
    hosts = tuple(h.lower() for h in allowed_hosts)
    found = _MD_IMAGE.findall(text) + _HTML.findall(text) + _URL.findall(text)
    return [f for f in found if not (hosts and any(h in f.lower() for h in hosts))]


def unsafe_advice(text: str) -> str | None:
    """The first sentence advising to bypass or disable a safety device, unless it says not to."""
    for sentence in _SENTENCE.findall(text):
        match = _UNSAFE.search(sentence)
        if match and not NEGATION.search(sentence[: match.start() + 1]):
            return sentence.strip()
    return None


def check_output(
    answer: str,
    *,
    system_prompt: str,
    sources: list[Any],
    allowed_hosts: Iterable[str] = (),
    grounded: bool = True,
    facts: grounding.Facts | None = None,
) -> Verdict:
    """Check a model's answer; the verdict's text has links stripped (use it only when ok). `facts`
    (grounding.Facts.of(sources)) saves re-reading the sources when one turn is checked line by line."""
    cleaned = strip_links(answer).strip()
    shared = leaked(answer, system_prompt, sources=sources) if system_prompt else 0
    if shared >= LEAK_MIN_SHARED:
        return Verdict.failed(
            "leak", f"repeats {shared} {LEAK_NGRAM}-word runs of the system prompt", cleaned
        )
    found = links(answer, allowed_hosts)
    if found:
        return Verdict.failed("exfil_link", f"link or image: {found[0][:80]}", cleaned)
    advice = unsafe_advice(answer)
    if advice:
        return Verdict.failed("unsafe_advice", advice[:160], cleaned)
    if grounded:
        result = grounding.check(answer, sources, facts)
        if not result.ok:
            return Verdict.failed(
                "ungrounded", "not in the data: " + ", ".join(result.unsupported[:8]), cleaned
            )
    return Verdict.passed(cleaned)
