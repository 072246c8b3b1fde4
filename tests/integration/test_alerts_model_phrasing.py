"""Alerts worded by the real local model (llama.cpp + SmolLM2) through the same wiring `sentient worker`
uses: each message is the model's checked sentence or the template, never anything unchecked."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from alerts.phrasing import LABEL
from sentient.alerts_wiring import with_model
from sentient.model_wiring import build_model_runtime
from sentient.settings import Settings
from tests.integration.alerts_helpers import config, evaluate, outbox
from tests.llamautil import local_gguf


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the model, not the database, is under test
def test_worker_wiring_words_alerts_with_the_model_or_the_template(
    seeded_engine: Engine, tmp_path: Path
) -> None:
    local_gguf()
    settings = Settings(data_dir=tmp_path, llm_base_url=None, alert_phrase_budget_s=20, llm_timeout_s=15)
    runtime = build_model_runtime(settings)
    runtime.start()  # as AppState.start does in `sentient worker`
    try:
        with with_model(config(), settings, runtime) as cfg:
            assert cfg.phraser is not None
            report = evaluate(seeded_engine, cfg=cfg)  # every rule: the sample day fires several new alerts
            phraser = cfg.phraser
    finally:
        runtime.stop()
    rows = outbox(seeded_engine)
    assert report.messages == len(rows) > 0
    assert phraser.asked >= 1  # the model was really asked
    assert phraser.stats["model"] + phraser.stats["template"] == len(rows)
    worded = [sentence for sentence in phraser._cache.values() if sentence]
    for _phone, text, *_ in rows:
        assert text.startswith(("[" + LABEL["id"], "[" + LABEL["en"]))  # the severity label stays ours
        assert text.rstrip(")").rsplit("(ref ", 1)[1].isalnum()  # and so does the alert reference
    # What the model wrote and the checks accepted is what went out, word for word.
    assert all(any(sentence in text for _p, text, *_ in rows) for sentence in worded)
