"""Fetching an inbound photo from Twilio: only from the account's own media URLs, with its credentials,
size-capped while it streams, and only a JPEG or PNG (by the declared type, the served type and the bytes).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

PHOTO_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
MAX_BYTES = 5_000_000  # WhatsApp sends photos of 100-500 KB; Twilio's own inbound limit is 5 MB


class MediaRefused(ValueError):
    """The media is not a photo we read (wrong type, too large, not the account's URL): ask for the code."""


class MediaUnavailable(RuntimeError):
    """Twilio could not serve it now (network, 5xx): worth retrying later."""


class MediaFetcher:
    """GETs media URLs of one Twilio account with basic auth (redirects to Twilio's CDN drop the auth)."""

    def __init__(
        self,
        base_url: str,
        account_sid: str,
        auth_token: str,
        *,
        max_bytes: int = MAX_BYTES,
        timeout_s: float = 10.0,
    ) -> None:
        self.origin = _origin(base_url)
        self.prefix = f"/2010-04-01/Accounts/{account_sid}/"
        self.max_bytes = max_bytes
        self._client = httpx.Client(
            auth=(account_sid, auth_token), timeout=timeout_s, follow_redirects=True, max_redirects=3
        )

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def fetch(self, url: str, declared_type: str) -> bytes:
        """The photo's bytes; MediaRefused for anything that is not the account's JPEG/PNG within the cap."""
        if declared_type not in PHOTO_TYPES:
            raise MediaRefused(f"not a photo: {declared_type or 'no type'}")
        # The URL comes from the (signed) webhook form, but it is fetched with the account's credentials:
        # only the configured API host and this account's paths, so it can never send them elsewhere.
        if _origin(url) != self.origin or not urlsplit(url).path.startswith(self.prefix):
            raise MediaRefused("media URL is not this Twilio account's")
        try:
            with self._client.stream("GET", url) as response:
                if response.status_code >= 500 or response.status_code == 429:
                    raise MediaUnavailable(f"Twilio answered {response.status_code}")
                if response.status_code != 200:
                    raise MediaRefused(f"Twilio answered {response.status_code}")
                served = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if served != declared_type:
                    raise MediaRefused(f"served as {served or 'no type'}, declared {declared_type}")
                if int(response.headers.get("content-length") or 0) > self.max_bytes:
                    raise MediaRefused("photo too large")
                data = bytearray()
                for block in response.iter_bytes():
                    data += block
                    if len(data) > self.max_bytes:  # a missing or lying Content-Length
                        raise MediaRefused("photo too large")
        except httpx.HTTPError as exc:
            raise MediaUnavailable(f"media fetch failed: {exc}") from exc
        if not bytes(data).startswith(PHOTO_TYPES[declared_type]):
            raise MediaRefused(f"bytes are not a {declared_type}")
        return bytes(data)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()
