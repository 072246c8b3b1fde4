"""`sentient doctor` on real parts: the warehouse on both databases, Redis, a socket for SMTP, the CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from models.sidecar import free_port
from sentient import doctor_checks as c
from sentient.settings import Settings
from tests.llamautil import local_gguf
from tests.redisutil import REDIS_TEST_URL, live_redis


def settings_for(tmp_path: Path, **kw: object) -> Settings:
    """Settings on a scratch data folder, model off unless a test says otherwise."""
    return Settings(_env_file=None, data_dir=tmp_path, llm_base_url="off", **kw)  # type: ignore[call-arg]


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_database_check_on_a_seeded_warehouse(seeded_engine: Engine, tmp_path: Path) -> None:
    row = c.database_check(settings_for(tmp_path, database_url=url_of(seeded_engine)))
    assert row.status == c.OK and "sales orders" in row.detail and seeded_engine.dialect.name in row.detail


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_database_check_tells_an_empty_warehouse_to_seed(empty_engine: Engine, tmp_path: Path) -> None:
    row = c.database_check(settings_for(tmp_path, database_url=url_of(empty_engine)))
    assert (row.status, row.fix) == (c.WARN, "run `sentient seed`")


def test_database_check_tells_an_unmigrated_or_unreachable_one_what_to_do(tmp_path: Path) -> None:
    bare = c.database_check(settings_for(tmp_path, database_url=f"sqlite:///{tmp_path}/bare.db"))
    assert (bare.status, bare.fix) == (c.FAIL, "run `sentient db upgrade`")
    closed = free_port()
    gone = c.database_check(
        settings_for(tmp_path, database_url=f"postgresql+psycopg://postgres@127.0.0.1:{closed}/x")
    )
    assert gone.status == c.FAIL and "OperationalError" in gone.detail and "DATABASE_URL" in gone.fix


def test_redis_check_pings_a_real_server_and_names_a_dead_one(tmp_path: Path) -> None:
    live_redis()
    assert c.redis_check(settings_for(tmp_path, redis_url=REDIS_TEST_URL)).status == c.OK
    dead = c.redis_check(settings_for(tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    assert dead.status == c.FAIL and "REDIS_URL" in dead.fix
    assert c.redis_check(settings_for(tmp_path)).status == c.SKIP


def test_smtp_check_connects_and_twilio_check_lists_what_is_missing(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert c.smtp_check(settings_for(tmp_path, smtp_host="127.0.0.1", smtp_port=port)).status == c.OK
    closed = c.smtp_check(settings_for(tmp_path, smtp_host="127.0.0.1", smtp_port=free_port()))
    assert closed.status == c.FAIL
    assert c.smtp_check(settings_for(tmp_path)).status == c.WARN
    partial = c.twilio_check(settings_for(tmp_path, twilio_account_sid="AC1"))
    assert partial.status == c.WARN and "TWILIO_AUTH_TOKEN" in partial.detail
    assert "TWILIO_ACCOUNT_SID" not in partial.detail


def test_build_check_reads_the_recipe_and_the_cpu(tmp_path: Path) -> None:
    local_gguf()
    row = c.build_check(settings_for(tmp_path))
    assert row.status == c.OK, row  # installed by scripts/install-llama.sh (make install, CI)
    no_avx2 = tmp_path / "cpuinfo"
    no_avx2.write_text("processor\t: 0\nflags\t\t: fpu sse sse2 sse4_2\n")
    assert c.cpu_flags(no_avx2) == {"fpu", "sse", "sse2", "sse4_2"}
    assert c.cpu_flags(tmp_path / "missing") == set()


def doctor(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`sentient doctor` in its own process, on these settings."""
    env = os.environ | {"DATA_DIR": str(tmp_path), "LLM_BASE_URL": "off", "DATABASE_URL": database_url}
    env.pop("REDIS_URL", None)
    cmd = [sys.executable, "-m", "sentient.cli", "doctor", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_command_prints_json_rows_and_fails_when_a_part_fails(
    seeded_engine: Engine, tmp_path: Path
) -> None:
    good = doctor(tmp_path, url_of(seeded_engine), "--json")
    rows = {r["name"]: r for r in map(json.loads, good.stdout.splitlines())}
    names = "python,llama.cpp build,database,embedder,chroma,local model,redis,smtp,twilio"
    assert set(rows) == set(names.split(","))
    assert rows["local model"]["status"] == c.SKIP and rows["chroma"]["status"] == c.WARN
    assert rows["embedder"]["status"] == c.OK and "384 dims" in rows["embedder"]["detail"]
    assert rows["database"]["status"] == c.OK
    assert good.returncode == (1 if any(r["status"] == c.FAIL for r in rows.values()) else 0)

    bad = doctor(tmp_path, f"sqlite:///{tmp_path}/never-migrated.db")
    assert bad.returncode == 1 and "sentient doctor" in bad.stdout and "db upgrade" in bad.stdout
