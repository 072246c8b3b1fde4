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
