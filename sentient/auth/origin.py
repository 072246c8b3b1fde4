"""CSRF: a state-changing browser request must come from our own origin (PUBLIC_BASE_URL or the Host)."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request

from sentient.settings import Settings


def _origin_of(url: str) -> tuple[str, str]:
    parts = urlsplit(url.strip())
    return parts.scheme.lower(), parts.netloc.lower()


def is_own_origin(url: str, request: Request, settings: Settings) -> bool:
    """Whether `url` (an Origin or Referer value) names this app: PUBLIC_BASE_URL's origin, or the Host."""
    scheme, netloc = _origin_of(url)
    if not netloc or scheme not in {"http", "https"}:
        return False  # "null" (sandboxed frames, privacy redirects) and other schemes are never ours
    if settings.public_base_url and (scheme, netloc) == _origin_of(settings.public_base_url):
        return True
    # The victim's browser sends the real Host with the attacker's Origin, so a match here is our own page
    # (netloc only: behind a TLS proxy the app itself sees http).
    return netloc == request.headers.get("host", "").lower()


def same_origin(request: Request, settings: Settings) -> bool:
    """True unless the request names a foreign Origin (or, without one, a foreign Referer).

    Browsers send Origin on every form POST and cross-site fetch; a request carrying neither header does
    not come from a browser page, so it cannot ride on a victim's cookies.
    """
    origin = request.headers.get("origin")
    if origin is not None:
        return is_own_origin(origin, request, settings)
    referer = request.headers.get("referer")
    return referer is None or is_own_origin(referer, request, settings)
