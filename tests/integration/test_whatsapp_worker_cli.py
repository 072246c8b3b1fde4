"""`sentient whatsapp-worker` answers claimed messages on its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from channels.whatsapp.fake_twilio import FakeTwilio
from channels.whatsapp.inbound import Inbound, claim_sid
from tests.integration.wa_harness import DIRECTOR, new_sid
from warehouse.types import utcnow


def test_standalone_worker_replies(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> None:
    with Session(seeded_engine) as s, s.begin():
        claim_sid(s, Inbound(new_sid(), DIRECTOR, "Berapa penjualan bulan ini?"), utcnow())
    with FakeTwilio() as fake:
        env = {
            **os.environ,
            "DATABASE_URL": seeded_engine.url.render_as_string(hide_password=False),
            "FACTORY_TODAY": spec_today.isoformat(),
            "DATA_DIR": str(tmp_path),
            "LLM_BASE_URL": "off",
            "TWILIO_ACCOUNT_SID": fake.account_sid,
            "TWILIO_AUTH_TOKEN": fake.auth_token,
            "TWILIO_WHATSAPP_FROM": "+14155238886",
            "TWILIO_API_BASE_URL": fake.url,
            "WHATSAPP_REQUIRE_OTP": "false",
            "WHATSAPP_POLL_S": "0.1",
        }
        cmd = [sys.executable, "-c", "from sentient.cli import app; app()", "whatsapp-worker"]
        proc = subprocess.Popen(cmd, env=env, cwd=Path(__file__).parents[2])
        try:
            deadline = time.monotonic() + 120
            while not fake.messages and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.1)
            assert "Rp 463.700.000" in (fake.sent_to(DIRECTOR)[0].body or "")
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0  # a clean stop on SIGTERM


def test_standalone_worker_asks_the_configured_model(
    seeded_engine: Engine, spec_today: date, tmp_path: Path
) -> None:
    """With a model configured the separate worker phrases through it, as `serve` does (it never started
    the model before, so every WhatsApp answer of a scaled-out deployment was a fallback)."""
    from sqlalchemy import select

    from models.sidecar import free_port
    from warehouse.schema import AiChat

    port = free_port()
    model = subprocess.Popen(
        [sys.executable, "-m", "models.fake_llama_server", "--port", str(port), "--model_alias", "fake-qwen"],
        cwd=Path(__file__).parents[2],
    )
    with Session(seeded_engine) as s, s.begin():
        claim_sid(s, Inbound(new_sid(), DIRECTOR, "Berapa penjualan bulan ini?"), utcnow())
    with FakeTwilio() as fake:
        env = {
            **os.environ,
            "DATABASE_URL": seeded_engine.url.render_as_string(hide_password=False),
            "FACTORY_TODAY": spec_today.isoformat(),
            "DATA_DIR": str(tmp_path),
            "LLM_BASE_URL": f"http://127.0.0.1:{port}/v1",
            "LLM_MODEL": "fake-qwen",
            "LLM_TOOL_CALLING": "off",
            "TWILIO_ACCOUNT_SID": fake.account_sid,
            "TWILIO_AUTH_TOKEN": fake.auth_token,
            "TWILIO_WHATSAPP_FROM": "+14155238886",
            "TWILIO_API_BASE_URL": fake.url,
            "WHATSAPP_REQUIRE_OTP": "false",
            "WHATSAPP_POLL_S": "0.1",
        }
        cmd = [sys.executable, "-c", "from sentient.cli import app; app()", "whatsapp-worker"]
        proc = subprocess.Popen(cmd, env=env, cwd=Path(__file__).parents[2])
        try:
            deadline = time.monotonic() + 120
            while not fake.messages and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.1)
            assert "463.700.000" in (
                fake.sent_to(DIRECTOR)[0].body or ""
            )  # the data, whatever the model said
        finally:
            proc.send_signal(signal.SIGTERM)
            model.terminate()
            model.wait(10)
            assert proc.wait(timeout=60) == 0
    with Session(seeded_engine) as s:
        row = s.scalars(select(AiChat).where(AiChat.channel == "wa")).one()
    assert row.model == "fake-qwen"  # the model was asked (its two-word answer then fails the checks)
