"""Fetching an inbound photo: the account's own URLs only, its credentials, a size cap, and a type check on
the declared type, the served type and the bytes (against the loopback fake Twilio)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from channels.whatsapp.fake_twilio import FakeTwilio
from channels.whatsapp.media import MediaFetcher, MediaRefused, MediaUnavailable

PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
JPEG = b"\xff\xd8\xff\xe0" + bytes(200)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as tw:
        yield tw


def fetch(
    fake: FakeTwilio, url: str, declared: str, token: str | None = None, base: str | None = None
) -> bytes:
    """One fetch through a fresh fetcher (closed after), 1,000 bytes at most."""
    media = MediaFetcher(base or fake.url, fake.account_sid, token or fake.auth_token, max_bytes=1000)
    try:
        return media.fetch(url, declared)
    finally:
        media.close()


def test_a_photo_of_the_account_is_fetched_with_its_credentials(fake: FakeTwilio) -> None:
    assert fetch(fake, fake.add_media(PNG, "image/png"), "image/png") == PNG
    assert fetch(fake, fake.add_media(JPEG, "image/jpeg"), "image/jpeg") == JPEG
    with pytest.raises(MediaRefused, match="401"):  # the fake checks the basic auth like Twilio
        fetch(fake, fake.add_media(PNG, "image/png"), "image/png", token="wrong")


@pytest.mark.parametrize(
    ("data", "served", "declared", "why"),
    [
        (PNG, "image/png", "image/gif", "not a photo"),
        (PNG, "image/jpeg", "image/png", "served as image/jpeg"),
        (JPEG, "image/png", "image/png", "bytes are not a image/png"),
        (PNG + bytes(2000), "image/png", "image/png", "too large"),
    ],
)
def test_anything_but_a_small_jpeg_or_png_is_refused(
    fake: FakeTwilio, data: bytes, served: str, declared: str, why: str
) -> None:
    with pytest.raises(MediaRefused, match=why):
        fetch(fake, fake.add_media(data, served), declared)


def test_urls_outside_the_account_are_never_fetched(fake: FakeTwilio) -> None:
    mine = fake.add_media(PNG, "image/png")
    for url in (
        "https://evil.example/2010-04-01/Accounts/" + fake.account_sid + "/Media/ME1",  # another host
        mine.replace(fake.account_sid, "AC" + "1" * 32),  # another account's path on the same host
        "file:///etc/passwd",
    ):
        with pytest.raises(MediaRefused, match="not this Twilio account's"):
            fetch(fake, url, "image/png")


def test_twilio_unreachable_is_worth_a_retry(fake: FakeTwilio) -> None:
    url, base = fake.add_media(PNG, "image/png"), fake.url
    fake.stop()
    with pytest.raises(MediaUnavailable):
        fetch(fake, url, "image/png", base=base)
