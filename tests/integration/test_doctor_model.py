"""The doctor's model row: a real completion through the local llama.cpp server, and a crash named."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest

from models.sidecar import Sidecar
from sentient import doctor_checks as c
from sentient.doctor_model import REBUILD, probe_model
from sentient.settings import Settings
from tests.llamautil import local_gguf as _gguf


def settings_for(tmp_path: Path, **kw: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, **kw)  # type: ignore[call-arg]


def test_the_local_model_answers_with_its_tokens_per_second(tmp_path: Path) -> None:
    row = asyncio.run(probe_model(settings_for(tmp_path, llm_base_url=None, llm_sidecar_model_path=_gguf())))
    assert row.status == c.OK, row
    rate = re.search(r"(\d[\d,]*) tokens/s, first token", row.detail)
    assert rate and int(rate.group(1).replace(",", "")) > 0
    assert "self-test" in row.detail


def test_a_configured_server_is_asked_the_same_way(tmp_path: Path) -> None:
    server = Sidecar(_gguf(), log_path=tmp_path / "s.log", n_ctx=1024)
    server.start()
    try:
        row = asyncio.run(
            probe_model(settings_for(tmp_path, llm_base_url=server.base_url, llm_model=server.alias))
        )
    finally:
        server.stop()
    assert row.name == "model server" and row.status == c.OK and server.base_url in row.detail
    gone = asyncio.run(probe_model(settings_for(tmp_path, llm_base_url=server.base_url)))
    assert gone.status == c.FAIL and "LLM_" in gone.fix  # stopped now: named, with the fix


def test_a_model_that_crashes_on_the_test_prompt_gets_the_rebuild_fix(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    program = [sys.executable, "-m", "models.fake_llama_server", "--behaviour", "segv"]
    settings = settings_for(tmp_path, llm_base_url=None, llm_sidecar_model_path=model)
    row = asyncio.run(probe_model(settings, program=program))
    assert row.status == c.FAIL and row.detail == "local model crashed on a test prompt: SIGSEGV"
    assert row.fix == REBUILD


def test_off_is_skipped_not_failed(tmp_path: Path) -> None:
    assert asyncio.run(probe_model(settings_for(tmp_path, llm_base_url="off"))).status == c.SKIP


pytestmark = pytest.mark.slow
