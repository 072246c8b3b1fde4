"""Twilio's Messages REST API over httpx: send, and look a message up after an unknown outcome."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

# Twilio error codes that mean "slow down" (pair rate limit, account rate limit, queue full).
RATE_CODES = {20429, 63018, 130429, 131056}


@dataclass(frozen=True)
class Sent:
    """Twilio accepted the message."""

    sid: str
    status: str


class TwilioError(Exception):
    """A send that did not succeed: HTTP status (0 = no answer), Twilio error code, message."""

    def __init__(self, status: int, code: int | None, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message

    @property
    def unknown(self) -> bool:
        """Twilio may have created the message anyway (timeout, dropped connection, 5xx)."""
        return self.status == 0 or self.status >= 500

    @property
    def outcome_code(self) -> str:
        """The code stored on the outbox row: "unknown" (look it up before resending) or Twilio's code."""
        return "unknown" if self.unknown else str(self.code or self.status)

    @property
    def retryable(self) -> bool:
        """Worth another try later: rate limits and server-side trouble."""
        return self.unknown or self.status == 429 or (self.code or 0) in RATE_CODES


class TwilioRest:
    """A small client for one account and one WhatsApp sender; thread-safe (httpx.Client)."""

    def __init__(
        self,
        base_url: str,
        account_sid: str,
        auth_token: str,
        from_number: str,
        *,
        timeout_s: float = 10.0,
        status_callback: str | None = None,
    ) -> None:
        self.from_ = _wa(from_number)
        self.status_callback = status_callback
        self._messages = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages"
        self._http = httpx.Client(auth=(account_sid, auth_token), timeout=timeout_s)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> TwilioRest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(
        self,
        to: str,
        *,
        body: str | None = None,
        content_sid: str | None = None,
        content_vars: dict[str, str] | None = None,
    ) -> Sent:
        """POST Messages.json; raises TwilioError on any failure."""
        form: dict[str, str] = {"To": _wa(to), "From": self.from_}
        if content_sid:
            form["ContentSid"] = content_sid
            form["ContentVariables"] = json.dumps(content_vars or {}, ensure_ascii=False)
        else:
            form["Body"] = body or ""
        if self.status_callback:
            form["StatusCallback"] = self.status_callback
        try:
            resp = self._http.post(f"{self._messages}.json", data=form)
        except httpx.HTTPError as exc:  # timeout or dropped connection: the outcome is unknown
            raise TwilioError(0, None, type(exc).__name__) from exc
        data = _json(resp)
        if resp.status_code >= 300:
            raise TwilioError(resp.status_code, data.get("code"), str(data.get("message", resp.text[:200])))
        return Sent(sid=str(data["sid"]), status=str(data.get("status", "queued")))

    def find_sent(
        self,
        to: str,
        *,
        since: datetime,
        body: str | None = None,
        content_sid: str | None = None,
        content_vars: dict[str, str] | None = None,
    ) -> str | None:
        """The SID of a message to `to` created since `since` with this body (or template), if any.

        With `content_vars`, a template send matches only a rendered body containing every variable's text
        (alerts: several template messages to one number must not be mistaken for each other).
        """
        try:
            resp = self._http.get(f"{self._messages}.json", params={"To": _wa(to), "From": self.from_})
        except httpx.HTTPError as exc:
            raise TwilioError(0, None, type(exc).__name__) from exc
        if resp.status_code >= 300:
            data = _json(resp)
            raise TwilioError(resp.status_code, data.get("code"), str(data.get("message", "")))
        for msg in _json(resp).get("messages", []):
            if not _created_since(msg, since):
                continue
            # Templates come back with the rendered body, so a template send matches on recipient and time.
            if content_sid and content_vars:
                if all(v in (msg.get("body") or "") for v in content_vars.values()):
                    return str(msg["sid"])
            elif content_sid or (msg.get("body") or "") == (body or ""):
                return str(msg["sid"])
        return None


def _wa(phone: str) -> str:
    return phone if phone.startswith("whatsapp:") else f"whatsapp:{phone}"


def _json(resp: httpx.Response) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _created_since(msg: dict[str, Any], since: datetime) -> bool:
    raw = msg.get("date_created")
    if not raw:
        return True  # without a date, the body match decides
    try:
        # Twilio dates have one-second resolution: allow the second `since` falls in.
        return parsedate_to_datetime(str(raw)).timestamp() >= int(since.timestamp())
    except (TypeError, ValueError):
        return True
