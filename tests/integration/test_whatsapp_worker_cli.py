"""`sentient whatsapp-worker` answers claimed messages on its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from channels.whatsapp.fake_twilio import FakeTwilio
from channels.whatsapp.inbound import Inbound, claim_sid
from models.sidecar import free_port
from tests.integration.wa_harness import DIRECTOR, new_sid
from warehouse.schema import AiChat
from warehouse.types import utcnow

ROOT = Path(__file__).parents[2]


def first_reply(engine: Engine, today: date, tmp_path: Path, **env_extra: str) -> str:
    """Queue one question, run the worker as its own process until it replies, stop it; the reply."""
    with Session(engine) as s, s.begin():
        claim_sid(s, Inbound(new_sid(), DIRECTOR, "Berapa penjualan bulan ini?"), utcnow())
    with FakeTwilio() as fake:
        env = {
            **os.environ,
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "FACTORY_TODAY": today.isoformat(),
            "DATA_DIR": str(tmp_path),
            "LLM_BASE_URL": "off",
            "TWILIO_ACCOUNT_SID": fake.account_sid,
            "TWILIO_AUTH_TOKEN": fake.auth_token,
            "TWILIO_WHATSAPP_FROM": "+14155238886",
            "TWILIO_API_BASE_URL": fake.url,
            "WHATSAPP_REQUIRE_OTP": "false",
            "WHATSAPP_POLL_S": "0.1",
            **env_extra,
        }
        cmd = [sys.executable, "-c", "from sentient.cli import app; app()", "whatsapp-worker"]
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
        try:
            deadline = time.monotonic() + 120
            while not fake.messages and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.1)
            return fake.sent_to(DIRECTOR)[0].body or ""
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0  # a clean stop on SIGTERM


def test_standalone_worker_replies(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> None:
    assert "Rp 463.700.000" in first_reply(seeded_engine, spec_today, tmp_path)


def test_standalone_worker_asks_the_configured_model(
    seeded_engine: Engine, spec_today: date, tmp_path: Path
) -> None:
    """With a model configured the separate worker phrases through it, as `serve` does (it never started
    the model before, so every WhatsApp answer of a scaled-out deployment was a fallback)."""
    port = free_port()
    model = subprocess.Popen(
        [sys.executable, "-m", "models.fake_llama_server", "--port", str(port), "--model_alias", "fake-qwen"],
        cwd=ROOT,
    )
    try:
        reply = first_reply(
            seeded_engine,
            spec_today,
            tmp_path,
            LLM_BASE_URL=f"http://127.0.0.1:{port}/v1",
            LLM_MODEL="fake-qwen",
            LLM_TOOL_CALLING="off",
        )
    finally:
        model.terminate()
        model.wait(10)
    assert "463.700.000" in reply  # the data either way
    with Session(seeded_engine) as s:
        row = s.scalars(select(AiChat).where(AiChat.channel == "wa")).one()
    assert row.model == "fake-qwen"  # the model was asked (its two-word answer then fails the checks)
