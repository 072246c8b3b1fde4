"""The WhatsApp test harness: the app on a seeded warehouse, the fake Twilio server, signed posts."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from channels.whatsapp.fake_twilio import FakeTwilio
from sentient.app import create_app
from sentient.settings import Settings
from sentient.state import AppState
from sentient.whatsapp_wiring import WhatsAppRuntime
from warehouse.schema import AiChat, LogAudit, MsgOutbox, WaInbound
from warehouse.types import utcnow

PUBLIC = "https://bot.example.com"
SENDER = "+14155238886"
DIRECTOR = "+6281100000006"
TEMPLATES = {"reply": "HXreply", "notice": "HXnotice", "otp": "HXotp", "alert": "HXalert"}
_sids = itertools.count(1)


def new_sid() -> str:
    """A fresh MessageSid."""
    return f"SM{next(_sids):032x}"


def wa_settings(engine: Engine, today: date, tmp: Path, fake: FakeTwilio, **extra: Any) -> Settings:
    """Settings pointing the app at this database and the fake Twilio server."""
    values: dict[str, Any] = {
        "database_url": engine.url.render_as_string(hide_password=False),
        "factory_today": today,
        "data_dir": tmp,
        "twilio_account_sid": fake.account_sid,
        "twilio_auth_token": fake.auth_token,
        "twilio_whatsapp_from": SENDER,
        "twilio_api_base_url": fake.url,
        "public_base_url": PUBLIC,
        "whatsapp_worker": "off",  # tests drive the worker by hand unless they test the inline loop
        "whatsapp_require_otp": False,
        "twilio_templates": TEMPLATES,
    }
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Wa:
    """A running app plus the fake Twilio it talks to."""

    client: TestClient
    fake: FakeTwilio
    engine: Engine
    token: str

    @property
    def runtime(self) -> WhatsAppRuntime:
        """The app's WhatsApp runtime (worker, dispatcher)."""
        state: AppState = self.client.app.state.sentient  # type: ignore[attr-defined]
        return state.whatsapp

    def form(self, body: str, phone: str = DIRECTOR, sid: str | None = None, **extra: str) -> dict[str, str]:
        """The form Twilio posts for one inbound WhatsApp text."""
        return {
            "MessageSid": sid or new_sid(),
            "AccountSid": self.fake.account_sid,
            "From": f"whatsapp:{phone}",
            "To": f"whatsapp:{SENDER}",
            "Body": body,
            "NumMedia": "0",
            **extra,
        }

    def post(
        self, form: dict[str, str] | list[tuple[str, str]], path: str = "/webhooks/twilio/whatsapp"
    ) -> Any:
        """POST a form signed the way Twilio signs it (over PUBLIC_BASE_URL + path)."""
        items = list(form.items()) if isinstance(form, dict) else form
        from starlette.datastructures import FormData

        signature = RequestValidator(self.token).compute_signature(PUBLIC + path, FormData(items))  # type: ignore[arg-type]
        headers = {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}
        return self.client.post(path, content=urlencode(items), headers=headers)

    def say(self, body: str, phone: str = DIRECTOR, **extra: str) -> str:
        """Post one message; returns its MessageSid."""
        form = self.form(body, phone, **extra)
        response = self.post(form)
        assert response.status_code == 200, response.text
        return form["MessageSid"]

    def shift(self, delta: timedelta) -> None:
        """Move the worker's and the dispatcher's clocks forward (stale claims, backoff, expiry)."""
        clock = lambda: utcnow() + delta  # noqa: E731
        self.runtime.worker.clock = clock
        if self.runtime.dispatcher is not None:
            self.runtime.dispatcher.clock = clock

    def drain(self, rounds: int = 10) -> None:
        """Run the worker until nothing is left to do."""
        for _ in range(rounds):
            if not self.runtime.worker.run_once():
                return

    def replies(self, phone: str = DIRECTOR) -> list[str]:
        """Bodies (or template variables) the fake Twilio received for a number."""
        return [m.body or m.content_variables or "" for m in self.fake.sent_to(phone)]

    def count(self, model: Any, *where: Any) -> int:
        """Rows of a table matching conditions."""
        with Session(self.engine) as s:
            return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    def audits(self, reason: str) -> int:
        """log_audit rows for one WhatsApp rejection reason."""
        return self.count(LogAudit, LogAudit.entity_type == "wa_inbound", LogAudit.new_value.contains(reason))


@contextmanager
def running(engine: Engine, today: date, tmp: Path, **extra: Any) -> Iterator[Wa]:
    """The app and a fake Twilio, both live for the block."""
    with FakeTwilio() as fake:
        settings = wa_settings(engine, today, tmp, fake, **extra)
        with TestClient(create_app(settings)) as client:
            yield Wa(client=client, fake=fake, engine=engine, token=fake.auth_token)


__all__ = ["DIRECTOR", "AiChat", "MsgOutbox", "Wa", "WaInbound", "new_sid", "running"]
