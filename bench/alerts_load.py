"""Load for the alert chaos test and benchmark: many opted-in operators and many machine alerts, queued
through the real path (rule -> engine -> routing -> outbox), and `sentient worker` processes to drain them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, text

from alerts.config import AlertConfig
from alerts.run import RunReport, run_once
from alerts.types import Finding, Rule, RuleContext
from channels.whatsapp.fake_twilio import FakeTwilio
from warehouse.db import make_session_factory

PHONE = "+62899{:07d}"


def add_operators(engine: Engine, count: int) -> list[str]:
    """`count` active, opted-in users with the OPERATOR role and fresh phone numbers; returns the phones."""
    phones = [PHONE.format(i) for i in range(count)]
    with engine.begin() as conn:
        role = conn.scalar(text("SELECT id FROM adm_role WHERE code = 'OPERATOR'"))
        for i, phone in enumerate(phones):
            conn.execute(
                text(
                    "INSERT INTO adm_user (uuid, username, email, role_id, phone, wa_opt_in, lang, "
                    "is_active, failed_login_count, created_at, updated_at) VALUES (:u, :n, :e, :r, :p, :t, "
                    "'id', :t, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"u": f"00000000-0000-4000-8000-{i:012d}", "n": f"load{i}", "e": f"load{i}@x.local"}
                | {"r": role, "p": phone, "t": True},
            )
    return phones


def machine_alerts(count: int, name: str = "load") -> Rule:
    """A rule that finds `count` distinct machine conditions (High), as the reject-rate rule would."""

    def evaluate(ctx: RuleContext) -> list[Finding]:
        return [
            Finding(
                f"{name}:{i}",
                name,
                "PROD",
                "REJECT_RATE",
                "High",
                {
                    "machine": f"LOAD-{i:04d}",
                    "rate_pct": Decimal("7.5"),
                    "threshold_pct": Decimal(5),
                    "reject_qty": Decimal(45),
                    "output_qty": Decimal(600),
                    "shifts": "1",
                    "day": ctx.today,
                },
            )
            for i in range(count)
        ]

    return Rule(name, evaluate)


def queue_load(engine: Engine, cfg: AlertConfig, alerts: int, name: str = "load") -> RunReport:
    """Fire `alerts` machine alerts; each is queued for every recipient allowed to hear it."""
    return run_once(make_session_factory(engine), cfg, (machine_alerts(alerts, name),))


def spawn_worker(
    engine: Engine, fake: FakeTwilio, log: IO[str], template: str, **settings: str
) -> subprocess.Popen[str]:
    """`sentient worker --no-eval` against the fake; log to a file (a full, unread pipe would block it)."""
    env = os.environ | {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_WHATSAPP_FROM": "+15550000001",
        "TWILIO_API_BASE_URL": fake.url,
        "TWILIO_TEMPLATES": json.dumps({"alert": template}),
        "LOG_LEVEL": "WARNING",
        # The worker builds the whole process (sentient/state.py), Chroma included: its own data folder.
        "DATA_DIR": str(Path(log.name).with_suffix(".data")),
    }
    env |= {k.upper(): v for k, v in settings.items()}
    cmd = [sys.executable, "-m", "sentient.cli", "worker", "--no-eval", "--seconds", "600"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
