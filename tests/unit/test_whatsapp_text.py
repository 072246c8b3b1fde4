"""WhatsApp pure logic: splitting, input hygiene, form parsing, template choice, rate limit, backoff."""

from __future__ import annotations

import random

import pytest

from channels.whatsapp.inbound import BadInbound, parse_form
from channels.whatsapp.notices import text
from channels.whatsapp.outbox import backoff_delay
from channels.whatsapp.ratelimit import MemoryRateLimiter
from channels.whatsapp.text import clean_inbound, normalize_phone, split_message
from channels.whatsapp.window import choose_shape


def test_short_text_is_one_part() -> None:
    assert split_message("  halo  ") == ["halo"]
    assert split_message("") == []


def test_split_at_line_boundaries_within_1600() -> None:
    lines = [f"Baris {i}: " + "data " * 30 for i in range(60)]
    parts = split_message("\n".join(lines))
    assert len(parts) > 1 and all(len(p) <= 1600 for p in parts)
    # Every part starts at the beginning of a line: no line was cut.
    assert all(p.startswith("Baris ") for p in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(" ".join(lines).split())


def test_long_line_splits_at_sentences_then_words() -> None:
    sentences = "Ini kalimat yang cukup panjang untuk diuji. " * 100
    parts = split_message(sentences)
    assert all(len(p) <= 1600 and p.endswith(".") for p in parts)
    words = "kata " * 1000
    assert all(len(p) <= 1600 and not p.endswith("kat") for p in split_message(words))
    blob = "x" * 4000
    assert [len(p) for p in split_message(blob)] == [1600, 1600, 800]


def test_clean_inbound_strips_controls_keeps_newlines_and_unicode() -> None:
    assert clean_inbound("a\x00b\x07c\u0085\nd\x1b 😀 é") == "abc\nd 😀 é"
    assert normalize_phone(" whatsapp:+6281100000001 ") == "+6281100000001"


def test_parse_form_keeps_known_fields_and_flags_oversize() -> None:
    items = [
        ("MessageSid", "SM1"),
        ("From", "whatsapp:+6281100000001"),
        ("Body", "x" * 50),
        ("Weird", "ignored"),
        ("NumMedia", "0"),
    ]
    msg = parse_form(items, max_body=20)
    assert (msg.message_sid, msg.phone, len(msg.body)) == ("SM1", "+6281100000001", 20)
    assert msg.params["_oversize"] == 50 and "Weird" not in msg.params
    with pytest.raises(BadInbound):
        parse_form([("Body", "hi")], max_body=20)
    with pytest.raises(BadInbound):
        parse_form([("MessageSid", "SM1"), ("From", "whatsapp:081")], max_body=20)


def test_template_outside_the_window_free_form_inside() -> None:
    templates = {"reply": "HX1"}
    inside = choose_shape(
        kind="reply", body="hi", content_sid=None, content_vars=None, window_open=True, templates=templates
    )
    assert inside is not None and (inside.body, inside.content_sid) == ("hi", None)
    outside = choose_shape(
        kind="reply",
        body="hi" * 900,
        content_sid=None,
        content_vars=None,
        window_open=False,
        templates=templates,
    )
    assert outside is not None and outside.content_sid == "HX1" and outside.body is None
    assert outside.content_vars is not None and len(outside.content_vars["1"]) <= 1000
    assert (
        choose_shape(
            kind="otp", body="hi", content_sid=None, content_vars=None, window_open=False, templates=templates
        )
        is None
    )
    own = choose_shape(
        kind="alert", body="", content_sid="HX9", content_vars={"1": "a"}, window_open=True, templates={}
    )
    assert own is not None and (own.content_sid, own.content_vars) == ("HX9", {"1": "a"})


def test_memory_rate_limit_one_refusal_notice_per_window() -> None:
    limiter = MemoryRateLimiter(per_minute=2)
    verdicts = [limiter.hit("+62", now=60.0 + i) for i in range(5)]
    assert [v.allowed for v in verdicts] == [True, True, False, False, False]
    assert [v.first_refusal for v in verdicts] == [False, False, True, False, False]
    assert limiter.hit("+63", now=61.0).allowed  # per number
    assert limiter.hit("+62", now=125.0).allowed  # next minute


def test_memory_rate_limit_judges_a_message_once_by_its_sid() -> None:
    limiter = MemoryRateLimiter(per_minute=2)
    first = [limiter.hit("+62", now=60.0, token=sid) for sid in ("a", "b", "c")]
    assert [v.allowed for v in first] == [True, True, False]
    # Retries (a worker failed) keep their verdict, at any time within or after their minute of arrival.
    assert limiter.hit("+62", now=61.0, token="a").allowed
    assert limiter.hit("+62", now=62.0, token="a").allowed
    again = limiter.hit("+62", now=63.0, token="c")
    assert not again.allowed and again.first_refusal  # the notice for "c", whose first attempt failed
    assert not limiter.hit("+62", now=64.0, token="d").first_refusal  # only one notice a window


def test_backoff_grows_and_is_capped() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(n, rng) for n in range(1, 15)]
    assert delays[0] < 3 and delays[3] > delays[0] and max(delays) <= 750


def test_notices_bilingual_when_language_unknown() -> None:
    both = text("unknown", None)
    assert "tidak terdaftar" in both and "not registered" in both
    assert text("otp_wrong", "en", left="3") == "Wrong code. Tries left: 3."
