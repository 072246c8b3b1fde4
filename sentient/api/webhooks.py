"""Twilio webhooks: inbound WhatsApp messages and delivery status callbacks, both signature-checked.

The inbound hook claims the MessageSid and answers at once with empty TwiML; the reply goes out through
the REST API from the worker, so a slow model never meets Twilio's 15-second limit. A bad signature gets
403 before any database or model work.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from channels.whatsapp import outbox
from channels.whatsapp.inbound import BadInbound, Inbound, claim_sid, parse_form
from channels.whatsapp.signature import is_valid, public_url
from sentient.deps import StateDep, WhatsAppDep
from sentient.errors import ApiError
from sentient.settings import Settings
from warehouse.schema import LogAudit
from warehouse.types import utcnow

log = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks/twilio", tags=["webhooks"])
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def _twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="text/xml")


async def _verified_form(request: Request, settings: Settings) -> FormData:
    """The form, when X-Twilio-Signature matches PUBLIC_BASE_URL + path + query; 403 otherwise."""
    form = await request.form()
    token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else None
    if not settings.public_base_url or not token:
        log.error("Twilio webhook refused: TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL must both be set")
        raise ApiError(403, "forbidden", "Webhook signature cannot be checked.")
    url = public_url(settings.public_base_url, request.url.path, request.url.query)
    if not is_valid(token, url, form, request.headers.get("X-Twilio-Signature")):
        log.warning("Twilio webhook refused: bad signature for %s", request.url.path)
        raise ApiError(403, "forbidden", "Invalid Twilio signature.")
    sid = settings.twilio_account_sid
    if sid and form.get("AccountSid") not in (None, sid):  # signed, but for another account
        raise ApiError(403, "forbidden", "Wrong account.")
    return form


@router.post("/whatsapp")
async def whatsapp_inbound(request: Request, state: StateDep, runtime: WhatsAppDep) -> Response:
    """Claim an inbound message once and acknowledge it with `<Response/>`."""
    form = await _verified_form(request, runtime.settings)
    sessions = state.sessions
    try:
        msg = parse_form(form.multi_items(), runtime.settings.whatsapp_max_body)
    except BadInbound as exc:
        await run_in_threadpool(_audit_malformed, sessions, dict(form.items()), str(exc))
        return _twiml()  # signed but unusable: never make Twilio retry it
    if await run_in_threadpool(_claim, sessions, msg):
        runtime.wake()
    return _twiml()


@router.post("/status")
async def delivery_status(request: Request, state: StateDep, runtime: WhatsAppDep) -> Response:
    """Move an outbound message forward on a delivery callback (late or repeated ones change nothing)."""
    form = await _verified_form(request, runtime.settings)
    sid, status = str(form.get("MessageSid") or ""), str(form.get("MessageStatus") or "")
    code = str(form.get("ErrorCode") or "") or None
    if sid and status:
        templates = runtime.settings.twilio_templates
        await run_in_threadpool(_apply, state.sessions, sid, status, code, templates)
        runtime.wake()
    return _twiml()


def _claim(sessions: sessionmaker[Session], msg: Inbound) -> bool:
    with sessions() as session, session.begin():
        return claim_sid(session, msg, utcnow())


def _apply(
    sessions: sessionmaker[Session], sid: str, status: str, code: str | None, templates: dict[str, str]
) -> bool:
    with sessions() as session, session.begin():
        # Outside the window after all (Twilio reports it late): the template goes out instead.
        late_63016 = code == "63016" and status in ("failed", "undelivered")
        if late_63016 and outbox.requeue_as_template(session, sid, templates, utcnow()):
            return True
        return outbox.apply_status(session, sid, status, code)


def _audit_malformed(sessions: sessionmaker[Session], form: dict[str, Any], reason: str) -> None:
    detail = {"reason": "malformed", "detail": reason, "keys": sorted(form)[:20]}
    with sessions() as session, session.begin():
        session.add(LogAudit(action="WA_REJECT", entity_type="wa_inbound", new_value=json.dumps(detail)))
