"""WhatsApp settings -> the channel's runtime: REST client, gate, reply worker and its in-process loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from channels.service import ChatService
from channels.whatsapp import alarm_photo
from channels.whatsapp.gate import GatePolicy
from channels.whatsapp.media import MediaFetcher
from channels.whatsapp.otp import Mailer
from channels.whatsapp.ratelimit import make_rate_limiter
from channels.whatsapp.rest import TwilioRest
from channels.whatsapp.sender import Dispatcher
from channels.whatsapp.worker import ReplyWorker, run_forever
from sentient.settings import Settings

log = logging.getLogger(__name__)
STATUS_PATH = "/webhooks/twilio/status"


def twilio_ready(settings: Settings) -> bool:
    """Enough configuration to send through Twilio."""
    return bool(settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_whatsapp_from)


def make_rest(settings: Settings) -> TwilioRest | None:
    """The REST client for these settings, or None when Twilio is not configured."""
    if not twilio_ready(settings):
        return None
    assert settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_whatsapp_from
    callback = settings.public_base_url.rstrip("/") + STATUS_PATH if settings.public_base_url else None
    return TwilioRest(
        settings.twilio_api_base_url,
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        settings.twilio_whatsapp_from,
        timeout_s=settings.twilio_timeout_s,
        status_callback=callback,
    )


def make_mailer(settings: Settings) -> Mailer | None:
    """The SMTP sender for one-time codes and sign-in alarms, or None without SMTP_HOST."""
    if not settings.smtp_host:
        return None
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return Mailer(settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.smtp_user, password)


def make_media(settings: Settings) -> MediaFetcher | None:
    """The fetcher of inbound photos, when Twilio is configured and Tesseract is installed to read them."""
    if not twilio_ready(settings) or not alarm_photo.available():
        return None
    assert settings.twilio_account_sid and settings.twilio_auth_token
    return MediaFetcher(
        settings.twilio_api_base_url,
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        timeout_s=settings.twilio_timeout_s,
    )


def make_policy(settings: Settings, *, photos: bool = False) -> GatePolicy:
    """The identity gate's settings: OTP secret, rate limiter (Redis when REDIS_URL is set), SMTP."""
    return GatePolicy(
        secret=settings.signing_secret(),
        limiter=make_rate_limiter(settings.redis_url, settings.whatsapp_rate_per_min),
        mailer=make_mailer(settings),
        max_body=settings.whatsapp_max_body,
        notice_every=timedelta(hours=settings.whatsapp_notice_hours),
        require_otp=settings.whatsapp_require_otp,
        verify_for=timedelta(days=settings.whatsapp_verify_days),
        photos=photos,
    )


@dataclass
class WhatsAppRuntime:
    """What the webhook and the in-process worker share."""

    settings: Settings
    worker: ReplyWorker
    rest: TwilioRest | None
    dispatcher: Dispatcher | None
    wake_event: asyncio.Event | None = None
    _stop: asyncio.Event | None = None
    _task: asyncio.Task[None] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, settings: Settings, sessions: sessionmaker[Session], chat: ChatService) -> WhatsAppRuntime:
        """Create the worker and its clients (nothing runs until `start`)."""
        rest = make_rest(settings)
        dispatcher = None
        if rest is not None:
            dispatcher = Dispatcher(
                sessions,
                rest,
                templates=settings.twilio_templates,
                stale_s=settings.whatsapp_stale_s,
                max_attempts=settings.whatsapp_max_attempts,
            )
        media = make_media(settings)
        worker = ReplyWorker(
            sessions,
            chat,
            make_policy(settings, photos=media is not None),
            dispatcher,
            stale_s=settings.whatsapp_stale_s,
            max_attempts=settings.whatsapp_max_attempts,
            # SQLite has one writer at a time: answer one by one there; PostgreSQL takes several at once.
            parallel=1 if settings.database_url.startswith("sqlite") else 4,
            media=media,
        )
        return cls(settings=settings, worker=worker, rest=rest, dispatcher=dispatcher)

    def wake(self) -> None:
        """Tell the in-process worker there is work (call on the event loop)."""
        if self.wake_event is not None:
            self.wake_event.set()

    async def start(self) -> None:
        """Run the reply worker in this process (WHATSAPP_WORKER=inline and Twilio configured)."""
        if self.settings.whatsapp_worker != "inline" or self.dispatcher is None:
            log.info("WhatsApp worker not started here (WHATSAPP_WORKER or TWILIO_* settings)")
            return
        self.wake_event, self._stop = asyncio.Event(), asyncio.Event()
        self._task = asyncio.create_task(
            run_forever(self.worker, self.wake_event, self._stop, self.settings.whatsapp_poll_s)
        )

    async def stop(self) -> None:
        """Stop the loop (the current round finishes); `close` then releases the clients."""
        if self._task is not None and self._stop is not None:
            self._stop.set()
            self.wake()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=30)
            self._task = None

    def close(self) -> None:
        """Stop the answering threads and close the Twilio clients."""
        self.worker.close()
        if self.worker.media is not None:
            self.worker.media.close()
        if self.dispatcher is not None:
            self.dispatcher.close()
        if self.rest is not None:
            self.rest.close()
