"""The reply worker: claim inbound messages, gate them, run the agent, queue the reply parts, dispatch.

Exactly-once: the webhook's MessageSid claim admits one row; the worker's conditional claim gives it to
one worker; the agent turn is logged with request_id = MessageSid and reused on a retry; reply parts are
queued with the idempotency key reply:<MessageSid>:<part> in the transaction that marks the row answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from channels.service import ChatService
from channels.whatsapp import inbound, outbox
from channels.whatsapp.alarm_photo import read_screen, spelled_as
from channels.whatsapp.gate import Decision, GatePolicy, audit, decide
from channels.whatsapp.media import MediaFetcher, MediaRefused
from channels.whatsapp.notices import text
from channels.whatsapp.sender import Dispatcher
from channels.whatsapp.text import split_message
from warehouse.schema import AiChat
from warehouse.schema.messaging import WaInbound
from warehouse.types import utcnow

log = logging.getLogger(__name__)


class ReplyWorker:
    """Turns claimed inbound messages into queued replies, then lets the dispatcher send them."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        chat: ChatService,
        policy: GatePolicy,
        dispatcher: Dispatcher | None,
        *,
        stale_s: float = 120.0,
        max_attempts: int = 6,
        parallel: int = 1,
        clock: Callable[[], datetime] = utcnow,
        media: MediaFetcher | None = None,
    ) -> None:
        self.sessions, self.chat, self.policy, self.dispatcher = sessions, chat, policy, dispatcher
        self.media = media
        self.stale_s, self.max_attempts, self.clock = stale_s, max_attempts, clock
        # Several conversations are answered at once; each reply is dispatched as soon as it is queued.
        self._pool = (
            ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="wa-reply") if parallel > 1 else None
        )

    def close(self) -> None:
        """Stop the answering threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def process_once(self, limit: int = 20) -> int:
        """Claim and answer up to `limit` inbound messages; returns how many were claimed."""
        now = self.clock()
        with self.sessions() as session:
            ids = inbound.claim_work(session, now, self.stale_s, limit)
        if self._pool is None:
            for inbound_id in ids:
                self._handle_safely(inbound_id, now)
        else:
            list(self._pool.map(lambda i: self._handle_safely(i, now), ids))
        return len(ids)

    def _handle_safely(self, inbound_id: int, claimed_at: datetime) -> None:
        try:
            self.handle(inbound_id, claimed_at)
        except Exception as exc:  # the claim goes stale and is retried; record why meanwhile
            log.exception("WhatsApp message %s failed", inbound_id)
            with self.sessions() as session, session.begin():
                session.execute(
                    update(WaInbound).where(WaInbound.id == inbound_id).values(error=repr(exc)[:500])
                )
            return
        if self.dispatcher is not None and self._pool is not None:
            self.dispatcher.dispatch_once()  # send this reply now rather than after the whole batch

    def run_once(self) -> int:
        """Answer what is waiting, then send what is due; returns the work done."""
        done = self.process_once()
        if self.dispatcher is not None:
            done += self.dispatcher.dispatch_once()
        return done

    def handle(self, inbound_id: int, claimed_at: datetime) -> None:
        """Gate, answer and queue the reply for one claimed message."""
        with self.sessions() as session, session.begin():
            row = session.get(WaInbound, inbound_id)
            assert row is not None
            if row.attempts > self.max_attempts:
                audit(session, row, "gave_up", row.user_id)
                inbound.finish(session, row.id, claimed_at, "failed", self.clock())
                return
            decision = decide(session, self.policy, row, self.clock())
            if decision.action != "chat":
                self._close(session, row, decision, decision.reply, claimed_at)
                return
            sid, phone, body, params = row.message_sid, row.phone, row.body, dict(row.params or {})
        # The agent runs outside any transaction; its turn is logged once, keyed by the MessageSid.
        if decision.photo:
            answer = self._photo_answer(sid, phone, body, params, decision.lang)
        else:
            answer = self._answer(sid, phone, body)
        with self.sessions() as session, session.begin():
            row = session.get(WaInbound, inbound_id)
            assert row is not None
            self._close(session, row, decision, answer, claimed_at)

    def _answer(self, message_sid: str, phone: str, body: str) -> str:
        """The agent's answer, or the one already logged for this MessageSid by an earlier attempt."""
        with self.sessions() as session:
            logged = session.scalar(
                select(AiChat.msg_out)
                .where(AiChat.request_id == message_sid, AiChat.channel == "wa")
                .limit(1)
            )
        if logged is not None:
            return logged
        reply = self.chat.chat(
            phone, body, channel="wa", conversation_id=f"wa:{phone}", request_id=message_sid
        )
        return reply.answer

    def _photo_answer(
        self, message_sid: str, phone: str, body: str, params: dict[str, object], lang: str | None
    ) -> str:
        """Read the alarm screen in the photo, then answer for the code read, saying what was read.

        A photo that is not the account's JPEG/PNG, or has no readable code, gets a request to type the
        code; Twilio being unreachable raises (MediaUnavailable), so the claim goes stale and is retried."""
        assert self.media is not None  # the gate only lets photos through when a fetcher exists
        try:
            data = self.media.fetch(str(params.get("MediaUrl0") or ""), str(params.get("MediaContentType0")))
        except MediaRefused as exc:
            log.info("alarm photo refused: %s", exc)
            return text("photo_unreadable", lang)
        reading = read_screen(data)
        if reading.code is None:
            return text("photo_unreadable", lang)
        titles = self._titles_naming(reading.code)
        if titles is not None and not titles:  # noise and glare can read as a code: the manuals decide
            return text("photo_unknown_code", lang, code=reading.shown)
        reading = spelled_as(reading, titles or [])
        ask = "what do I check?" if lang == "en" else "apa yang harus dicek?"
        question = f"{body.strip()} {reading.shown}, {ask}".strip()
        answer = self._answer(message_sid, phone, question)
        return f"{'Read' if lang == 'en' else 'Terbaca'}: {reading.shown}\n{answer}"

    def _titles_naming(self, code: str) -> list[str] | None:
        """Headings of manual passages that mention the code (empty: no manual knows it); None when the
        agent has no manual search to ask."""
        manuals = self.chat.agent.manuals
        if manuals is None:
            return None
        hits = manuals.search(code, k=5, mode="bm25")
        return [h.chunk.section.rsplit(" > ", 1)[-1] for h in hits if code in h.chunk.text.upper()]

    def _close(
        self, session: Session, row: WaInbound, decision: Decision, reply: str, claimed_at: datetime
    ) -> None:
        """Queue the reply parts and mark the message, in the caller's transaction."""
        now = self.clock()
        if decision.user_id is not None:
            row.user_id = decision.user_id
        if decision.action != "drop":
            for part, chunk in enumerate(split_message(reply), start=1):
                outbox.enqueue(
                    session,
                    kind=decision.kind,
                    phone=row.phone,
                    body=chunk,
                    user_id=decision.user_id,
                    inbound_id=row.id,
                    dedup_key=f"{decision.kind}:{row.message_sid}:{part}",
                    part=part,
                    now=now,
                )
        inbound.finish(session, row.id, claimed_at, decision.status, now)


async def run_forever(worker: ReplyWorker, wake: asyncio.Event, stop: asyncio.Event, poll_s: float) -> None:
    """The in-process loop `sentient serve` starts: work while there is work, else wait for a wake-up."""
    while not stop.is_set():
        try:
            done = await asyncio.to_thread(worker.run_once)
        except Exception:
            log.exception("WhatsApp worker round failed")
            done = 0
        if done:
            continue
        wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=poll_s)
