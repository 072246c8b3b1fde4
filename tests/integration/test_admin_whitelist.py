"""The WhatsApp whitelist is managed from administration and takes effect on the next signed webhook."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from channels.identity import load_caller
from sentient.admin.actor import Actor
from sentient.admin.service import AdminService
from sentient.state import AppState
from tests.integration.wa_harness import DIRECTOR, AiChat, Wa, running
from tests.smtputil import Inbox, smtp_server

PHONE = "+6281234500077"


def admin_of(wa: Wa) -> tuple[AdminService, Actor]:
    state: AppState = wa.client.app.state.sentient  # type: ignore[attr-defined]
    with state.sessions() as s:
        return state.admin, state.admin.actor_for(load_caller(s, "admin"))


@pytest.fixture
def wa(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> Iterator[Wa]:
    with running(seeded_engine, spec_today, tmp_path) as harness:
        yield harness


def test_a_number_added_by_the_admin_chats_and_a_removed_one_stops_at_once(wa: Wa) -> None:
    svc, admin = admin_of(wa)
    wa.say("Berapa stok gudang?", PHONE)
    wa.drain()
    assert "not registered" in wa.replies(PHONE)[-1] and wa.count(AiChat) == 0
    fields = {"username": "siti", "email": "siti@factory.local", "role": "STAFF_WH", "phone": PHONE}
    svc.create_user(admin, fields, apply=True)
    assert svc.get_user(admin, "siti").wa_opt_in
    wa.say("Berapa stok gudang?", PHONE)
    wa.drain()
    assert wa.count(AiChat) == 1 and len(wa.replies(PHONE)) == 2
    svc.edit_user(admin, "siti", {"phone": ""}, apply=True)  # number removed from the whitelist
    wa.say("Berapa stok gudang lagi?", PHONE)
    wa.drain()
    assert wa.count(AiChat) == 1  # nothing answered
    assert wa.audits("unknown_number") == 2


def test_deactivating_a_user_stops_their_whatsapp_on_the_next_message(wa: Wa) -> None:
    svc, admin = admin_of(wa)
    wa.say("Berapa penjualan bulan ini?")
    wa.drain()
    assert wa.count(AiChat) == 1
    svc.set_active(admin, "director", False, apply=True)
    wa.say("Berapa penjualan bulan ini?")
    wa.drain()
    replies = wa.replies(DIRECTOR)
    assert "not registered" in replies[-1] and len(replies) == 2
    assert wa.count(AiChat) == 1 and wa.audits("inactive_user") == 1
    svc.set_active(admin, "director", True, apply=True)  # reactivated: answered again
    wa.say("Berapa penjualan bulan ini?")
    wa.drain()
    assert wa.count(AiChat) == 2


def test_stop_is_visible_to_the_administrator(wa: Wa) -> None:
    svc, admin = admin_of(wa)
    assert svc.get_user(admin, "director").wa_opt_in
    wa.say("STOP")
    wa.drain()
    assert not svc.get_user(admin, "director").wa_opt_in


def test_a_new_number_needs_the_emailed_code_first(
    seeded_engine: Engine, spec_today: date, tmp_path: Path
) -> None:
    with smtp_server() as (inbox, port):
        extra = {"whatsapp_require_otp": True, "smtp_host": "127.0.0.1", "smtp_port": port}
        with running(seeded_engine, spec_today, tmp_path, **extra) as wa:
            svc, admin = admin_of(wa)
            svc.edit_user(admin, "jane.smith", {"phone": PHONE}, apply=True)  # a new phone for jane
            wa.say("Berapa produksi hari ini?", PHONE)
            wa.drain()
            assert wa.count(AiChat) == 0 and "jane@factory.local" in _last(inbox)
            wa.say(inbox.codes()[-1], PHONE)
            wa.drain()  # one at a time: the worker may claim queued messages in any order
            wa.say("Berapa produksi hari ini?", PHONE)
            wa.drain()
            assert wa.count(AiChat) == 1


def _last(inbox: Inbox) -> str:
    return inbox.mails[-1]
