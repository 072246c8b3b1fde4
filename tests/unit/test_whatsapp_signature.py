"""X-Twilio-Signature: twilio-python's published vectors, and requests signed with its RequestValidator."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData
from twilio.request_validator import RequestValidator

from channels.whatsapp.signature import is_valid, public_url

# From twilio-python tests/unit/test_request_validator.py.
TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}


@pytest.mark.parametrize(
    ("url", "signature"),
    [
        (URL, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        ("https://mycompany.com:443/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w="),
        ("http://mycompany.com:80/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4="),
        ("http://mycompany.com:1234/myapp.php?foo=1&bar=2", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
    ],
)
def test_published_vectors(url: str, signature: str) -> None:
    assert RequestValidator(TOKEN).compute_signature(url, PARAMS) == signature
    assert is_valid(TOKEN, url, PARAMS, signature)


def test_default_port_is_accepted_either_way() -> None:
    # Twilio may have signed with or without :443; the validator tries both.
    assert is_valid(
        TOKEN, "https://mycompany.com:443/myapp.php?foo=1&bar=2", PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )
    assert is_valid(TOKEN, URL, PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w=")


def test_fails_closed_without_token_or_signature() -> None:
    good = RequestValidator(TOKEN).compute_signature(URL, PARAMS)
    assert not is_valid(None, URL, PARAMS, good)
    assert not is_valid("", URL, PARAMS, good)
    assert not is_valid(TOKEN, URL, PARAMS, None)
    assert not is_valid("other-token", URL, PARAMS, good)


def _form(items: list[tuple[str, str]]) -> FormData:
    return FormData(items)


WA = [
    ("MessageSid", "SM" + "a" * 32),
    ("AccountSid", "AC" + "0" * 32),
    ("MessagingServiceSid", "MG" + "1" * 32),
    ("From", "whatsapp:+6281100000001"),
    ("To", "whatsapp:+14155238886"),
    ("Body", "Berapa penjualan bulan ini? ✓ 日本 😀"),
    ("NumMedia", "0"),
]


def test_repeated_keys_are_all_signed() -> None:
    items = [*WA, ("Tag", "b"), ("Tag", "a")]
    url = public_url("https://bot.example.com/", "/webhooks/twilio/whatsapp", "x=1&y=%C3%A9")
    assert url == "https://bot.example.com/webhooks/twilio/whatsapp?x=1&y=%C3%A9"
    # Sign the way Twilio does: every value of a repeated key, sorted.
    signature = RequestValidator(TOKEN).compute_signature(url, _form(items))
    assert is_valid(TOKEN, url, _form(items), signature)
    # Collapsing the form into a dict keeps only one value per key: the signature no longer matches.
    assert not is_valid(TOKEN, url, dict(items), signature)
    # Dropping one value of the repeated key, or changing the unicode body, breaks it too.
    assert not is_valid(TOKEN, url, _form([*WA, ("Tag", "b")]), signature)
    changed = [(k, v + "!" if k == "Body" else v) for k, v in items]
    assert not is_valid(TOKEN, url, _form(changed), signature)


def test_url_must_match_exactly() -> None:
    url = public_url("https://bot.example.com", "/webhooks/twilio/whatsapp")
    signature = RequestValidator(TOKEN).compute_signature(url, _form(WA))
    assert is_valid(TOKEN, url, _form(WA), signature)
    # What the app sees behind a TLS-terminating proxy, a trailing-slash redirect, or a forged query.
    for other in (
        "http://bot.example.com/webhooks/twilio/whatsapp",
        "https://bot.example.com/webhooks/twilio/whatsapp/",
        "https://bot.example.com/webhooks/twilio/whatsapp?x=1",
    ):
        assert not is_valid(TOKEN, other, _form(WA), signature)
