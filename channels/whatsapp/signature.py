"""X-Twilio-Signature checks with twilio's own RequestValidator over the configured public URL."""

from __future__ import annotations

from typing import Any

from twilio.request_validator import RequestValidator


def public_url(base: str, path: str, query: str = "") -> str:
    """The URL Twilio called: PUBLIC_BASE_URL + path (+ query); never built from the Host header."""
    url = base.rstrip("/") + path
    return f"{url}?{query}" if query else url


def is_valid(auth_token: str | None, url: str, params: Any, signature: str | None) -> bool:
    """True only for a signature made with this token over this URL and every parameter (repeats kept).

    Fails closed: no token configured or no signature given means invalid. `params` may be a dict or a
    multi-dict such as Starlette's FormData (do not collapse it with dict(): that loses repeated keys).
    """
    if not auth_token or not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, params, signature))
