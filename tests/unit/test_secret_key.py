"""SECRET_KEY: never a constant; generated once per DATA_DIR (0600, one winner under a race); one reader."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from sentient.secretfile import KEY_FILE, load_or_create_key
from sentient.settings import DEV_SECRET, Settings

ROOT = Path(__file__).resolve().parents[2]


def make(**kw: object) -> Settings:
    return Settings(_env_file=None, **kw)  # type: ignore[call-arg]


def test_without_secret_key_a_random_key_is_generated_kept_0600_and_reused(tmp_path: Path) -> None:
    first = make(data_dir=tmp_path).signing_secret()
    path = tmp_path / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first != DEV_SECRET and len(first) >= 43
    assert make(data_dir=tmp_path).signing_secret() == first  # a restart keeps the sign-ins valid
    assert make(data_dir=tmp_path / "other").signing_secret() != first  # random, not derived


def test_explicit_secret_key_wins_and_writes_no_file(tmp_path: Path) -> None:
    assert make(data_dir=tmp_path, secret_key="explicit-secret").signing_secret() == "explicit-secret"
    assert not (tmp_path / KEY_FILE).exists()
    assert make(data_dir=tmp_path, secret_key="").signing_secret() != ""  # empty means unset


def test_the_old_public_constant_is_refused_everywhere_and_production_needs_a_key(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="public development value"):
        make(data_dir=tmp_path, secret_key=DEV_SECRET)
    with pytest.raises(ValidationError, match="SECRET_KEY must be set"):
        make(data_dir=tmp_path, app_env="production", api_key="k")
    assert not (tmp_path / KEY_FILE).exists()  # production never falls back to a generated key


def test_processes_starting_at_once_agree_on_one_key(tmp_path: Path) -> None:
    script = "import sys; from pathlib import Path; from sentient.secretfile import load_or_create_key as f; "
    script += "print(f(Path(sys.argv[1])))"
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, cwd=ROOT)
        for _ in range(6)
    ]
    keys = {p.communicate(timeout=60)[0].decode().strip() for p in procs}
    assert len(keys) == 1 and keys == {load_or_create_key(tmp_path)}


def test_only_settings_reads_the_secret_key_field() -> None:
    """Every user of the secret (tokens, OTP codes, Redis memory) must get the one resolved key."""
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("sentient", "agent", "channels", "alerts", "tools", "warehouse")
        for path in (ROOT / package).rglob("*.py")
        if path.name != "settings.py" and re.search(r"\.secret_key\b", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
