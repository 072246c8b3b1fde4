"""`sentient users|roles|audit` on a fresh PostgreSQL database: the first SYSADMIN, previews, --yes, audit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sentient.auth.service import AuthPolicy, AuthService
from warehouse.db import make_session_factory
from warehouse.schema import AdmRole, AdmUser


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """A production database is PostgreSQL; the service tests cover SQLite too."""
    return str(request.param)


def cli(
    engine: Engine, tmp: Path, *args: str, code: int = 0, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "FACTORY_TODAY": date(2024, 12, 27).isoformat(),
        "DATA_DIR": str(tmp),
    }
    cmd = [sys.executable, "-m", "sentient.cli", *args]
    feed = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, **feed)  # type: ignore[call-overload]
    assert done.returncode == code, done.stderr
    return done


def users(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count(AdmUser.id))) or 0)


def test_first_sysadmin_on_a_fresh_database(empty_engine: Engine, tmp_path: Path) -> None:
    add = [
        "users",
        "add",
        "boss",
        "--email",
        "boss@factory.id",
        "--role",
        "SYSADMIN",
        "--phone",
        "+6281299990001",
    ]
    preview = cli(empty_engine, tmp_path, *add)
    assert "create user boss" in preview.stderr and "preview only" in preview.stderr
    assert users(empty_engine) == 0 and "one-time code" not in preview.stdout
    with Session(empty_engine) as s:  # the catalogue came with the first command: roles, no users
        assert s.scalar(select(AdmRole.is_system).where(AdmRole.code == "SYSADMIN")) is True
    done = cli(empty_engine, tmp_path, *add, "--yes")
    code = done.stdout.split("one-time code: ", 1)[1].strip()
    assert len(code) >= 16 and users(empty_engine) == 1
    again = cli(empty_engine, tmp_path, *add, "--yes", code=1)
    assert "already exists" in again.stderr and users(empty_engine) == 1
    listed = [
        json.loads(line)
        for line in cli(empty_engine, tmp_path, "users", "list", "--json").stdout.splitlines()
    ]
    assert listed[0]["username"] == "boss" and listed[0]["must_change_pw"] is True
    assert listed[0]["phone"] == "+6281299990001" and listed[0]["wa_opt_in"] is True
    last = cli(empty_engine, tmp_path, "users", "deactivate", "boss", "--yes", code=1)
    assert "last active SYSADMIN" in last.stderr


def test_roles_phone_reset_and_audit_tail(empty_engine: Engine, tmp_path: Path) -> None:
    cli(
        empty_engine,
        tmp_path,
        "users",
        "add",
        "ani",
        "--email",
        "ani@factory.id",
        "--role",
        "OPERATOR",
        "--yes",
    )
    cli(empty_engine, tmp_path, "roles", "grant", "OPERATOR", "INV.READ", "--yes")
    held = cli(empty_engine, tmp_path, "roles", "grant", "OPERATOR", "INV.READ", "--yes")
    assert "nothing to do" in held.stderr and "already holds" in held.stderr
    bad = cli(empty_engine, tmp_path, "users", "set-phone", "ani", "0812", "--yes", code=1)
    assert "E.164" in bad.stderr
    cli(empty_engine, tmp_path, "users", "set-phone", "ani", "+62 812 9999 0002", "--yes")
    with Session(empty_engine) as s:
        assert s.scalar(select(AdmUser.phone).where(AdmUser.username == "ani")) == "+6281299990002"
    reset = cli(empty_engine, tmp_path, "users", "reset-password", "ani", "--yes")
    assert "one-time code: " in reset.stdout
    tail = cli(empty_engine, tmp_path, "audit", "tail", "--json", "-n", "10")
    rows = [json.loads(line) for line in tail.stdout.splitlines()]
    actions = [r["action"] for r in rows]
    assert actions == ["USER_CREATE", "ROLE_GRANT", "USER_UPDATE", "USER_RESET_PWD"]
    assert all('"by": "cli:' in r["new"] for r in rows)
    assert json.loads(rows[2]["old"]) == {"phone": None, "wa_opt_in": False}
    assert code_not_logged(rows, reset.stdout.split("one-time code: ", 1)[1].strip())


def code_not_logged(rows: list[dict[str, str]], code: str) -> bool:
    return all(code not in r["new"] + r["old"] for r in rows)


def test_a_password_from_stdin_follows_the_policy(empty_engine: Engine, tmp_path: Path) -> None:
    add = [
        "users",
        "add",
        "rina",
        "--email",
        "rina@factory.id",
        "--role",
        "OPERATOR",
        "--password-stdin",
        "--yes",
    ]
    weak = cli(empty_engine, tmp_path, *add, code=1, stdin="rahasia2024\n")
    assert "too common" in weak.stderr and users(empty_engine) == 0
    done = cli(empty_engine, tmp_path, *add, stdin="mesin-bubut-tiga-3\n")
    assert "one-time code" not in done.stdout
    auth = AuthService(make_session_factory(empty_engine), AuthPolicy(secret="x" * 32))
    assert auth.login("rina", "mesin-bubut-tiga-3").username == "rina"  # no change asked: chosen by the admin
